"""The output columns of a SQL model and where each comes from, read from DuckDB's own parse tree
(``json_serialize_sql``): no query runs and no table needs to exist.

For every column of the final select this gives the upstream table columns it is computed from (through CTEs,
subqueries, joins and ``union``), and, when it passes through unchanged (a bare column reference, however many
CTEs deep), that one upstream column, whose description it can inherit. ``*`` and ``alias.*`` are expanded with
the upstream tables' columns, which the caller supplies (``columns_of``).

``unnest(<list of structs>, recursive := true)`` as a select item returns one column per field of the struct (the
KPI models end with their list of KPI rows unnested this way). Its fields are named by DuckDB itself: the item,
with every column reference replaced by NULL, is described on a connection that has the macros it may call
(``macros``), so a struct built by a macro (``kpi_row``) is named as the macro builds it. Each field depends on
every column the item reads.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache

import duckdb

_lock = threading.Lock()
Ref = tuple[str, str]  # ("schema.table", "column")
ColumnsOf = Callable[[str], list[str] | None]


class LineageError(ValueError):
    """The SQL could not be parsed, or its output columns could not all be named."""


@dataclass(frozen=True)
class OutputColumn:
    name: str
    deps: frozenset[Ref] = frozenset()  # upstream table columns the value is computed from
    source: Ref | None = None  # the upstream column it passes through unchanged, if it does


@dataclass
class _Relation:
    """What a FROM item offers: its columns by name (in order)."""

    columns: list[OutputColumn]
    exact: bool = True  # False: the relation may have columns we do not know (a table function, an unknown table)

    def get(self, name: str) -> OutputColumn | None:
        return next((c for c in self.columns if c.name == name), None)


@dataclass
class _Scope:
    ctes: dict[str, dict]  # CTE name -> its query node (inner definitions shadow outer ones)
    relations: list[tuple[str, _Relation]] = field(default_factory=list)  # (alias, relation) in FROM order
    outer: _Scope | None = None


@lru_cache(maxsize=1)
def _parser() -> duckdb.DuckDBPyConnection:
    return duckdb.connect()  # in memory, nothing attached: it only parses


def parse_tree(sql: str) -> dict:
    """The statement's query node, as DuckDB parses it."""
    with _lock:
        tree = json.loads(_parser().execute("select json_serialize_sql(?::varchar)", [sql]).fetchone()[0])
    if tree.get("error"):
        raise LineageError(tree.get("error_message", "the SQL does not parse"))
    return tree["statements"][0]["node"]


def tables_read(sql: str, schemas: Iterable[str]) -> set[tuple[str, str]]:
    """The (schema, table) names of ``schemas`` that the statement reads: its FROM items, joins and subqueries at
    any depth. A CTE is not a table, and a name in a comment or a string is not read."""
    wanted = set(schemas)
    found: set[tuple[str, str]] = set()
    todo: list[object] = [parse_tree(sql)]
    while todo:
        node = todo.pop()
        if isinstance(node, dict):
            if node.get("type") == "BASE_TABLE" and node.get("schema_name") in wanted:
                found.add((node["schema_name"], node["table_name"]))
            todo.extend(node.values())
        elif isinstance(node, list):
            todo.extend(node)
    return found


def output_columns(sql: str, columns_of: ColumnsOf, macros: str = "") -> list[OutputColumn]:
    """The columns the statement returns, in order, with their upstream columns; ``macros`` creates the macros
    the statement calls (to name the fields of a recursive unnest)."""
    columns = _Resolver(columns_of, macros).query(parse_tree(sql), _Scope(ctes={}))
    unnamed = [str(i + 1) for i, c in enumerate(columns) if not c.name]
    if unnamed:
        raise LineageError(f"output column(s) {', '.join(unnamed)} have no name: give them an alias")
    return columns


class _Resolver:
    def __init__(self, columns_of: ColumnsOf, macros: str = "") -> None:
        self.columns_of = columns_of
        self.macros = macros

    # --- query nodes -------------------------------------------------------------------------------------------
    def query(self, node: dict, parent: _Scope) -> list[OutputColumn]:
        ctes = dict(parent.ctes)
        for item in (node.get("cte_map") or {}).get("map", []):
            value = item["value"]  # DuckDB 1.5 nests the query as query.node (2.0: query_node)
            body = value["query_node"] if "query_node" in value else value["query"]["node"]
            ctes[item["key"]] = {**body, "_cte_aliases": value.get("aliases", [])}
        scope = _Scope(ctes=ctes, outer=parent.outer)
        kind = node["type"]
        if kind == "SELECT_NODE":
            return self.select(node, scope)
        if kind == "SET_OPERATION_NODE":
            branches = [self.query(child, scope) for child in _set_children(node)]
            if node.get("setop_type") == "UNION_BY_NAME":
                return _union_by_name(branches)
            first = branches[0]
            merged = []
            for i, column in enumerate(first):
                deps = set(column.deps)
                for other in branches[1:]:
                    if i < len(other):
                        deps |= other[i].deps
                merged.append(OutputColumn(column.name, frozenset(deps), column.source))
            return merged
        if kind == "RECURSIVE_CTE_NODE":
            return self.query(node["left"], scope)
        if kind == "CTE_NODE":
            return self.query(node["child"], scope)
        raise LineageError(f"unsupported query node {kind}")

    def select(self, node: dict, scope: _Scope) -> list[OutputColumn]:
        if node.get("from_table"):
            self.from_item(node["from_table"], scope)
        out: list[OutputColumn] = []
        for item in node["select_list"]:
            if item["class"] == "STAR":
                out.extend(self.star(item, scope))
                continue
            if _is_recursive_unnest(item):
                deps = frozenset(self.expression_deps(item, scope, out))
                out.extend(OutputColumn(name, deps) for name in _unnested_fields(item, self.macros))
                continue
            # an unnamed expression (a later union branch, an EXISTS subquery) has a name nobody reads
            name = item.get("alias") or _default_name(item) or ""
            if item["class"] == "COLUMN_REF":
                resolved = self.column(item["column_names"], scope, out)
                out.append(
                    OutputColumn(name, resolved.deps, resolved.source)
                    if resolved
                    else OutputColumn(name)  # a lambda parameter, a struct field or a name of an unknown relation
                )
                continue
            out.append(OutputColumn(name, frozenset(self.expression_deps(item, scope, out))))
        return out

    # --- FROM ----------------------------------------------------------------------------------------------------
    def from_item(self, item: dict, scope: _Scope) -> None:
        kind = item["type"]
        if kind == "JOIN":
            self.from_item(item["left"], scope)
            self.from_item(item["right"], scope)
            return
        if kind == "EMPTY":
            return
        alias = item.get("alias") or ""
        if kind == "BASE_TABLE":
            name = item["table_name"]
            schema = item.get("schema_name") or ""
            if not schema and name in scope.ctes:
                cte = scope.ctes[name]
                columns = self.query(cte, _Scope(ctes={k: v for k, v in scope.ctes.items() if k != name}))
                columns = _renamed(columns, cte.get("_cte_aliases") or [])
                relation = _Relation(columns)
            else:
                table = f"{schema}.{name}" if schema else name
                known = self.columns_of(table) if schema else None
                relation = (
                    _Relation([OutputColumn(c, frozenset({(table, c)}), (table, c)) for c in known])
                    if known is not None
                    else _Relation([], exact=False)
                )
            relation.columns = _renamed(relation.columns, item.get("column_name_alias") or [])
            scope.relations.append((alias or name, relation))
            return
        if kind == "SUBQUERY":
            inner = self.query(item["subquery"]["node"], _Scope(ctes=scope.ctes))
            scope.relations.append((alias, _Relation(_renamed(inner, item.get("column_name_alias") or []))))
            return
        if kind == "PIVOT" and item.get("unpivot_names"):
            inner = _Scope(ctes=scope.ctes)
            self.from_item(item["source"], inner)
            source = [c for _, relation in inner.relations for c in relation.columns]
            entries = [e for pivot in item["pivots"] for e in pivot["entries"]]
            # the unpivoted columns: DuckDB 2.0 gives column references, 1.5 their names as constants
            folded_names = {_last(e["star_expr"].get("column_names", [])) for e in entries if e.get("star_expr")}
            folded_names |= {v["value"] for e in entries for v in e.get("values") or [] if isinstance(v, dict)}
            deps = frozenset().union(*(c.deps for c in source if c.name in folded_names))
            kept = [c for c in source if c.name not in folded_names]
            names = [n for pivot in item["pivots"] for n in pivot["unpivot_names"]]
            added = [OutputColumn(n) for n in names] + [OutputColumn(n, deps) for n in item["unpivot_names"]]
            scope.relations.append((alias, _Relation(kept + added)))
            return
        if kind == "EXPRESSION_LIST":  # VALUES: DuckDB names the columns col0, col1, ... unless aliased
            width = len(item["values"][0]) if item.get("values") else 0
            names = item.get("column_name_alias") or [f"col{i}" for i in range(width)]
            scope.relations.append((alias, _Relation([OutputColumn(n) for n in names])))
            return
        # table functions (range, unnest, read_csv), pivots: columns we do not trace
        names = item.get("column_name_alias") or []
        scope.relations.append((alias, _Relation([OutputColumn(n) for n in names], exact=bool(names))))

    # --- expressions ---------------------------------------------------------------------------------------------
    def star(self, item: dict, scope: _Scope) -> list[OutputColumn]:
        if item.get("columns") or item.get("expr"):
            raise LineageError("COLUMNS(...) expressions are not traced")
        qualifier = item.get("relation_name") or ""
        excluded = {_last(e) for e in item.get("exclude_list", [])}
        excluded |= {_last(e.get("column_names", [])) for e in item.get("qualified_exclude_list", [])}
        replace = {entry["key"]: entry["value"] for entry in item.get("replace_list", [])}
        out = []
        for alias, relation in scope.relations:
            if qualifier and alias != qualifier:
                continue
            if not relation.exact and not relation.columns:
                raise LineageError(f"cannot expand * over {alias or 'a table function'}: its columns are unknown")
            for column in relation.columns:
                if column.name in excluded:
                    continue
                if column.name in replace:
                    out.append(OutputColumn(column.name, frozenset(self.expression_deps(replace[column.name], scope))))
                else:
                    out.append(column)
        if qualifier and not any(alias == qualifier for alias, _ in scope.relations):
            raise LineageError(f"{qualifier}.* names no relation of the FROM clause")
        return out

    def column(self, names: list[str], scope: _Scope, earlier: list[OutputColumn] = ()) -> OutputColumn | None:
        """What a column reference points at: a relation's column (``alias.col`` or ``col``), else an earlier
        item of the same select list (DuckDB lets a select item use the alias of one before it)."""
        probe: _Scope | None = scope
        while probe is not None:
            if len(names) >= 2:
                qualifier, name = names[-2], names[-1]
                for alias, relation in probe.relations:
                    if alias == qualifier:
                        found = relation.get(name)
                        if found is not None:
                            return found
                # a struct field of a column (``s.field``): the column is the dependency
                found = self._unqualified(names[0], probe)
                if found is not None:
                    return OutputColumn(found.name, found.deps)
            else:
                found = self._unqualified(names[0], probe)
                if found is not None:
                    return found
            probe = probe.outer
        if len(names) == 1:
            return next((c for c in earlier if c.name == names[0]), None)
        return None

    @staticmethod
    def _unqualified(name: str, scope: _Scope) -> OutputColumn | None:
        for _, relation in scope.relations:
            found = relation.get(name)
            if found is not None:
                return found
        return None

    def expression_deps(self, expr: object, scope: _Scope, earlier: list[OutputColumn] = ()) -> set[Ref]:
        deps: set[Ref] = set()
        if isinstance(expr, list):
            for value in expr:
                deps |= self.expression_deps(value, scope, earlier)
            return deps
        if not isinstance(expr, dict):
            return deps
        kind = expr.get("class")
        if kind == "COLUMN_REF":
            found = self.column(expr["column_names"], scope, earlier)
            return set(found.deps) if found else deps
        if kind == "SUBQUERY":
            inner = self.query(expr["subquery"]["node"], _Scope(ctes=scope.ctes, outer=scope))
            for column in inner:
                deps |= column.deps
            return deps | self.expression_deps(expr.get("child"), scope, earlier)
        for key, value in expr.items():
            if key not in ("query_location", "alias"):
                deps |= self.expression_deps(value, scope, earlier)
        return deps


def _is_recursive_unnest(item: dict) -> bool:
    return (
        item["class"] == "FUNCTION"
        and item.get("function_name") == "unnest"
        and not item.get("alias")
        and any(isinstance(c, dict) and c.get("alias") == "recursive" for c in item.get("children", []))
    )


def _as_null(node: object) -> object:
    """The expression with every column reference replaced by a NULL constant: it binds without its tables."""
    if isinstance(node, list):
        return [_as_null(n) for n in node]
    if not isinstance(node, dict):
        return node
    if node.get("class") == "COLUMN_REF":
        null = {"type": {"id": "NULL", "type_info": None}, "is_null": True}
        return {"class": "CONSTANT", "type": "VALUE_CONSTANT", "alias": "", "query_location": 0, "value": null}
    return {key: _as_null(value) for key, value in node.items()}


def _unnested_fields(item: dict, macros: str) -> list[str]:
    with _lock:  # a serialized select to put the item in
        statement = json.loads(_parser().execute("select json_serialize_sql('select 1')").fetchone()[0])
    statement["statements"][0]["node"]["select_list"] = [_as_null(item)]
    return list(_described(json.dumps(statement), macros))


@lru_cache(maxsize=256)
def _described(statement: str, macros: str) -> tuple[str, ...]:
    """The column names of a serialized select, described on a connection with ``macros``."""
    with duckdb.connect() as con:
        if macros:
            con.execute(macros)
        try:
            sql = con.execute("select json_deserialize_sql(?::json)", [statement]).fetchone()[0]
            return tuple(row[0] for row in con.execute(f"describe {sql}").fetchall())
        except duckdb.Error as exc:
            raise LineageError(f"the fields of a recursive unnest cannot be named: {exc}") from exc


def _union_by_name(branches: list[list[OutputColumn]]) -> list[OutputColumn]:
    merged: dict[str, OutputColumn] = {}
    for branch in branches:
        for column in branch:
            if column.name in merged:
                first = merged[column.name]
                merged[column.name] = OutputColumn(column.name, first.deps | column.deps, first.source)
            else:
                merged[column.name] = column
    return list(merged.values())


def _set_children(node: dict) -> list[dict]:
    if "children" in node:
        return node["children"]
    return [node["left"], node["right"]]


def _renamed(columns: list[OutputColumn], aliases: list[str]) -> list[OutputColumn]:
    if not aliases:
        return columns
    renamed = [OutputColumn(a, c.deps, c.source) for a, c in zip(aliases, columns, strict=False)]
    return renamed + columns[len(aliases) :]


def _last(value: object) -> str:
    if isinstance(value, list):
        return value[-1]
    if isinstance(value, dict):
        return _last(value.get("column_names") or value.get("path") or [""])
    return str(value)


def _default_name(item: dict) -> str | None:
    """The name DuckDB gives an item without an alias, for the forms a model uses."""
    return item["column_names"][-1] if item["class"] == "COLUMN_REF" else None
