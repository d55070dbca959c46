"""Static company data of the fictional company: departments, job families, names, courses, reasons.

These are company facts, not country rules; rates, caps and holidays live in the reference CSVs.
"""

from __future__ import annotations

from dataclasses import dataclass

HQ, PLANT, BRANCH = "ID-JK", "ID-JB-KOTA-BEKASI", "ID-JI-KOTA-SURABAYA"


@dataclass(frozen=True)
class DepartmentSpec:
    department_id: str
    name: str
    parent: str
    region: str
    domain: str
    weight: float  # share of headcount
    families: tuple[str, ...]  # staff job families
    pkwt_share: float  # share of staff on fixed-term contracts
    overtime: float  # mean share of workdays with overtime for eligible staff
    restday_overtime: float  # chance per rest day of rest-day overtime


DEPARTMENTS: tuple[DepartmentSpec, ...] = (
    DepartmentSpec("D01", "Executive Office", "", HQ, "executive", 0.015,
                   ("Executive Assistant", "Corporate Strategy Analyst"), 0.0, 0.03, 0.0),
    DepartmentSpec("D02", "Human Resources", "D01", HQ, "hr", 0.05,
                   ("HR Generalist", "Recruiter", "Payroll Officer", "Training Officer"), 0.05, 0.04, 0.0),
    DepartmentSpec("D03", "Finance & Accounting", "D01", HQ, "finance", 0.07,
                   ("Accountant", "AP Officer", "Treasury Officer", "Tax Officer"), 0.05, 0.06, 0.002),
    DepartmentSpec("D04", "Information Technology", "D01", HQ, "it", 0.08,
                   ("Software Engineer", "IT Support Specialist", "Data Analyst", "System Administrator"),
                   0.15, 0.05, 0.002),
    DepartmentSpec("D05", "Legal & Compliance", "D01", HQ, "legal", 0.03,
                   ("Legal Officer", "Compliance Officer"), 0.0, 0.03, 0.0),
    DepartmentSpec("D06", "Operations", "D01", HQ, "operations", 0.07,
                   ("Operations Planner", "Quality Analyst", "Procurement Officer"), 0.15, 0.06, 0.002),
    DepartmentSpec("D07", "Operations Bekasi", "D06", PLANT, "operations", 0.18,
                   ("Production Operator", "Quality Inspector", "Maintenance Technician"), 0.35, 0.12, 0.01),
    DepartmentSpec("D08", "Operations Surabaya", "D06", BRANCH, "operations", 0.12,
                   ("Production Operator", "Quality Inspector", "Maintenance Technician"), 0.35, 0.11, 0.01),
    DepartmentSpec("D09", "Warehouse & Logistics", "D06", PLANT, "operations", 0.15,
                   ("Warehouse Operator", "Forklift Driver", "Logistics Coordinator", "Inventory Clerk"),
                   0.4, 0.14, 0.012),
    DepartmentSpec("D10", "Sales", "D01", HQ, "sales", 0.10,
                   ("Account Executive", "Sales Administrator", "Key Account Specialist"), 0.2, 0.04, 0.001),
    DepartmentSpec("D11", "Sales Surabaya", "D10", BRANCH, "sales", 0.07,
                   ("Account Executive", "Sales Administrator"), 0.2, 0.04, 0.001),
    DepartmentSpec("D12", "Customer Service", "D10", HQ, "sales", 0.065,
                   ("Customer Service Officer", "Complaint Handler"), 0.25, 0.08, 0.004),
)  # fmt: skip

COST_CENTERS = {d.department_id: f"CC-{100 + 10 * i}" for i, d in enumerate(DEPARTMENTS)}

GRADES = ("G1", "G2", "G3", "G4", "G5", "G6", "G7", "G8")
#: pay band (min, max) as multiples of the grade-1 floor of the year
BAND_MULTIPLES = {
    1: (1.00, 1.45), 2: (1.25, 1.90), 3: (1.60, 2.55), 4: (2.10, 3.40),
    5: (2.80, 4.60), 6: (3.90, 6.60), 7: (5.60, 9.60), 8: (8.50, 15.00),
}  # fmt: skip
#: fixed allowance (transport, meal, position) as a share of basic salary, by grade
ALLOWANCE_SHARE = {1: 0.10, 2: 0.11, 3: 0.12, 4: 0.13, 5: 0.15, 6: 0.17, 7: 0.19, 8: 0.20}
#: grades whose roles are named overtime-exempt in the company regulation
OVERTIME_EXEMPT_FROM_GRADE = 6
STAFF_GRADE_WEIGHTS = {1: 0.34, 2: 0.30, 3: 0.22, 4: 0.14}
LEVEL_PREFIX = {1: "Junior ", 2: "", 3: "Senior ", 4: "Lead "}

PTKP_MIX = {"TK/0": 0.34, "TK/1": 0.04, "TK/2": 0.01, "K/0": 0.13, "K/1": 0.21, "K/2": 0.17, "K/3": 0.10}

EMPLOYMENT_TYPES = ("PKWTT", "PKWT", "INTERN")
TERMINATION_TYPES = ("voluntary", "involuntary", "other")
VOLUNTARY_REASONS = ("resignation - career opportunity", "resignation - personal reasons",
                     "resignation - relocation", "resignation - further study")  # fmt: skip
INVOLUNTARY_REASONS = ("dismissal - misconduct", "dismissal - performance", "redundancy")
OTHER_REASONS = ("death", "long-term illness", "mutual agreement")
CONTRACT_END_REASON = "contract not renewed"
INTERNSHIP_END_REASON = "internship ended"
RETIREMENT_REASON = "early retirement"

COURSES: tuple[tuple[str, int, int], ...] = (  # name, hours, cost per participant (IDR)
    ("Occupational Health & Safety (K3) Basics", 8, 750_000),
    ("Forklift Operator Certification", 16, 2_500_000),
    ("Excel for Business", 12, 1_200_000),
    ("Leadership Fundamentals", 16, 4_500_000),
    ("Anti-Bribery & Compliance", 4, 350_000),
    ("Customer Service Excellence", 8, 1_100_000),
    ("Data Privacy (UU PDP) Awareness", 4, 400_000),
    ("Lean Manufacturing", 24, 5_000_000),
    ("Negotiation Skills", 12, 3_200_000),
    ("Brevet A/B Tax Training", 40, 6_500_000),
    ("Cloud Fundamentals", 16, 3_800_000),
    ("First Aid", 8, 600_000),
    ("Coaching for Supervisors", 12, 3_000_000),
    ("Warehouse Management System", 8, 900_000),
    ("Business English", 24, 2_400_000),
)  # fmt: skip

MALE_FIRST = (
    "Agus", "Budi", "Dedi", "Eko", "Fajar", "Hendra", "Irfan", "Joko", "Rizky", "Andi", "Bayu", "Dimas",
    "Hadi", "Iwan", "Rudi", "Slamet", "Teguh", "Wahyu", "Yusuf", "Arif", "Bambang", "Gilang", "Ilham",
    "Muhammad", "Ahmad", "Reza", "Dian", "Aditya", "Fikri", "Galih", "Hafiz", "Kurniawan", "Rahmat",
    "Surya", "Taufik", "Yoga", "Adi", "Bagus", "Doni", "Ferry", "Heru", "Indra", "Yohanes", "Made",
    "Ketut", "Nyoman", "Putu", "Wayan", "Stefanus", "Michael", "Kevin", "Ridwan", "Rendy", "Sigit",
)  # fmt: skip
FEMALE_FIRST = (
    "Siti", "Dewi", "Sri", "Ayu", "Fitri", "Indah", "Lestari", "Nur", "Putri", "Rina", "Ratna", "Wulan",
    "Yuni", "Anisa", "Dina", "Eka", "Fransiska", "Intan", "Kartika", "Maya", "Nadia", "Novi", "Rahma",
    "Sari", "Tiara", "Vina", "Wati", "Yanti", "Aulia", "Bunga", "Citra", "Diah", "Elisabeth", "Fauziah",
    "Gita", "Hana", "Irma", "Jessica", "Kadek", "Larasati", "Mega", "Nia", "Oktavia", "Puspita", "Rini",
    "Safitri", "Theresia", "Utami", "Vivi", "Wahyuni", "Yulia", "Zahra", "Melati", "Anggraini",
)  # fmt: skip
LAST_NAMES = (
    "Santoso", "Wijaya", "Saputra", "Pratama", "Hidayat", "Setiawan", "Kusuma", "Nugroho", "Siregar",
    "Nasution", "Simanjuntak", "Harahap", "Lubis", "Sitompul", "Gunawan", "Halim", "Tanjung", "Rahman",
    "Susanto", "Purnomo", "Wibowo", "Hakim", "Firmansyah", "Ramadhan", "Permana", "Putra", "Utomo",
    "Prasetyo", "Suryadi", "Hutapea", "Pangaribuan", "Manurung", "Sinaga", "Pardede", "Sembiring",
    "Ginting", "Tarigan", "Lim", "Tan", "Wirawan", "Maulana", "Syahputra", "Anggraeni", "Handoko",
    "Suharto", "Mulyadi", "Irawan", "Kurnia", "Rahayu", "Pohan", "Daulay", "Sihombing", "Tambunan",
    "Sutrisno", "Hartono", "Budiman", "Effendi", "Fauzi", "Iskandar", "Nainggolan", "",
)  # fmt: skip

#: first two digits of a NIK (province) and the next two (regency/city) per work region
NIK_PREFIX = {HQ: ("31", ("71", "72", "73", "74", "75")), PLANT: ("32", ("75", "16")), BRANCH: ("35", ("78", "15"))}
BANK_PREFIXES = ("0", "1", "5", "7", "8")  # first digit of 10-digit payroll bank accounts
EMAIL_DOMAIN = "kinerja-contoh.co.id"
