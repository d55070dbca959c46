"""Bad finance input never disappears silently: what breaks the demo contracts is quarantined with its rule,
what loads but is wrong is a finding or a blocking check (tests/unit/test_finance_ledger.py), and a broken
mapping file stops the load with a message naming the file, the line and the column."""

from __future__ import annotations

import datetime as dt

import pytest
from fixtures.warehouse import CONTRACTS

from assets.finance import config as finance_config
from assets.finance.config import FinanceConfigError, read_mapping, read_parameters
from assets.ingest.contracts import load_contract
from assets.ingest.loader import ingest_contract
from assets.ingest.staging import build_staging

BANK_FILE = """bank_txn_id,bank_account_id,txn_date,amount_idr,description,reference,counterparty
B1,BCA-OPS,2025-01-16,Rp1500000,CR SI-1,SI-1,PT Satu
B2,BCA-OPS,,-45000,BIAYA ADM,,BCA
B3,BCA-OPS,2025-01-20,"-1,500,000",TRF,INV-1,PT Dua
B4,BCA-OPS,2025-01-21,Rp 1.500.000,TRF,INV-2,PT Tiga
"""
# B1: the currency symbol is stripped (contract number_format.strip): staged as 1,500,000
# B2: no date: quarantined (txn_date is required)
# B3: a thousands separator the contract does not declare: quarantined, not read as -1.5 or -1500
# B4: Indonesian dot separators: quarantined, not read as 1.5


def test_bank_lines_with_no_date_or_ambiguous_amounts_are_quarantined(tmp_path, con):
    landing = tmp_path / "landing"
    (landing / "finance" / "bank").mkdir(parents=True)
    (landing / "finance" / "bank" / "bank_transactions_2025_01.csv").write_text(BANK_FILE)
    contract = load_contract(CONTRACTS / "erp__bank_transactions.yaml")
    ingest_contract(con, contract, landing)
    build_staging(con, contract)
    staged = con.execute("select bank_txn_id, txn_date, amount_idr from staging.stg_erp__bank_transactions").fetchall()
    assert staged == [("B1", dt.date(2025, 1, 16), 1_500_000)]
    quarantined = con.execute(
        "select _line_no, rule, column_name, reason from quarantine.erp__bank_transactions order by _line_no"
    ).fetchall()
    assert [(line, rule, column) for line, rule, column, _ in quarantined] == [
        (3, "required", "txn_date"),
        (4, "type_integer", "amount_idr"),
        (5, "type_integer", "amount_idr"),
    ]
    assert "'-1,500,000' is not a whole number" in quarantined[1][3]
    rows = con.execute("select rows_read, rows_staged, rows_quarantined from meta.load_manifest").fetchall()
    assert rows == [(4, 1, 3)]  # nothing lost


def test_a_mapping_file_with_an_unknown_role_stops_with_file_line_and_column(tmp_path, monkeypatch):
    (tmp_path / "account_roles.csv").write_text("account_code,role,note\n2100,payables,\n6110,payrol_expense,typo\n")
    monkeypatch.setattr(finance_config, "CONFIG_DIR", tmp_path)
    roles = next(m for m in finance_config.MAPPINGS if m.file == "account_roles.csv")
    with pytest.raises(FinanceConfigError, match=r"account_roles.csv line 3: role 'payrol_expense' is not one of"):
        read_mapping(roles)


def test_a_mapping_file_missing_a_value_or_a_column_or_repeating_a_key_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(finance_config, "CONFIG_DIR", tmp_path)
    banks = next(m for m in finance_config.MAPPINGS if m.file == "bank_accounts.csv")
    (tmp_path / "bank_accounts.csv").write_text("bank_account_id,account_code,bank_name\nBCA-OPS,,BCA\n")
    with pytest.raises(FinanceConfigError, match="line 2: column account_code needs a value"):
        read_mapping(banks)
    (tmp_path / "bank_accounts.csv").write_text("bank_account_id,bank_name\nBCA-OPS,BCA\n")
    with pytest.raises(FinanceConfigError, match=r"missing \['account_code'\]"):
        read_mapping(banks)
    # two bank accounts on one ledger account would double every cash line
    (tmp_path / "bank_accounts.csv").write_text("bank_account_id,account_code,bank_name\nBCA-OPS,1110,\nBRI,1110,\n")
    with pytest.raises(FinanceConfigError, match=r"line 3: account_code \('1110',\) repeats line 2"):
        read_mapping(banks)


def test_parameters_with_a_negative_window_are_refused(tmp_path):
    path = tmp_path / "parameters.yaml"
    path.write_text("amount_date_window_days: -1\n")
    with pytest.raises(FinanceConfigError, match="amount_date_window_days"):
        read_parameters(path)


def test_the_shipped_configuration_is_valid():
    for mapping in finance_config.MAPPINGS:
        read_mapping(mapping)
    assert read_parameters().amount_date_window_days == 7
