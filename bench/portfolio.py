"""A seeded generator of realistic patent portfolios for the benchmark.

`python -m bench.portfolio 120000` writes bench/out/p120000/{patents,licences,facts}.csv
in the import format (store/imports/columns.py COLUMNS). The same size and seed always give the
same files, so figures from different runs compare.

What makes it realistic enough to measure a matcher:
- titles are built from a technical vocabulary with a skewed (Zipf-like) word
  frequency, so a few words ("method", "network", "signal") sit in a large share
  of titles and most are rare — the shape of a real portfolio;
- numbers come in the real formats (`US 8818681 B1`, `EP 3123456 A1`,
  `CN 104123456 B`, `WO 2016123456 A1`), families share a title across
  jurisdictions, expiry is filing + 20 years;
- the test fixture records and a few "planted" records with words the generator
  never uses are present at every size, so a question about them must get the
  same answer at 1k and at 1M (the quality check in bench/run.py)."""

from __future__ import annotations

import csv
import random
import sys
from datetime import date, timedelta
from pathlib import Path

from store.imports.columns import FACT_COLUMNS, LICENCE_COLUMNS, PATENT_COLUMNS

OUT = Path(__file__).parent / "out"
FIXTURES = Path(__file__).parent.parent / "tests" / "fixtures"
SEED = 20261125

HEADS = ["Method", "System", "Apparatus", "Device", "Method and apparatus", "Method and system",
         "Circuit", "Arrangement", "Terminal", "Network node", "Base station", "Chip", "Module"]
LINKS = ["for", "for", "for", "of", "with", "using", "in", "based on"]
ADJECTIVES = """adaptive dynamic efficient low-latency high-frequency wireless optical multi-antenna
distributed secure encrypted flexible scalable hybrid redundant compressed asynchronous synchronous
uplink downlink bidirectional parallel cooperative autonomous virtual cloud-based edge millimeter-wave
narrowband wideband coherent semi-persistent periodic aperiodic grant-free contention-based
beamformed precoded quantized differential incremental hierarchical joint layered cross-carrier
full-duplex half-duplex non-terrestrial vehicular industrial low-power energy-saving""".split()
NOUNS = """signal channel network transmission reception beam antenna carrier frequency spectrum
resource allocation scheduling feedback handover measurement reference pilot codebook modulation
coding decoding encoder decoder packet frame slot symbol subcarrier bandwidth interference noise
power control battery charging display screen camera image video audio speech sensor radar lidar
vehicle route map navigation positioning location clock timing synchronization authentication key
certificate encryption decryption storage memory cache processor core thread task container
cluster server switch router gateway link path tunnel protocol header payload buffer queue
congestion latency throughput reliability redundancy backup recovery fault alarm log message
session bearer slice controller orchestrator policy charging billing subscriber identity terminal
user equipment relay repeater satellite fiber laser photodiode waveguide amplifier filter mixer
oscillator converter inverter transformer rectifier capacitor inductor substrate wafer transistor
gate layer film electrode lens prism hinge housing keyboard touch stylus gesture wearable watch
earphone speaker microphone codec stream playback rendering texture pixel frame-rate resolution
compression prediction transform quantization entropy block partition motion vector intra inter
loop deblocking sample offset palette tile slice-header bitstream""".split()
_DOMAINS_TEXT = """a wireless communication system | a mobile terminal | a data center | an optical network
| a cellular network | a vehicle | a video encoder | an electronic device | a foldable phone
| a distributed storage system | a cloud platform | an IoT device | a Wi-Fi network | a 5G core network
| a radio access network | a smart home | a power grid | a satellite link"""
DOMAINS = [" ".join(d.split()) for d in _DOMAINS_TEXT.split("|")]

TECHNOLOGIES = ["cellular 4G", "cellular 5G", "Wi-Fi", "video codecs", "IoT", "optical", "cloud",
                "consumer devices", "automotive", "power electronics"]
OWNERS = ["Huawei Technologies Co Ltd"] * 8 + ["Huawei Device Co Ltd", "Huawei Cloud Computing Technologies Co Ltd"]
STATUSES = ["granted"] * 6 + ["pending"] * 2 + ["expired", "lapsed"]

# Planted records: their title words never occur in generated titles, so a question
# about them has one right answer at every size.
PLANTED = [
    ("US 9876543 B2", "Ferroelectric tunnel junction memristor for neuromorphic inference", "US", "F-PL1"),
    ("EP 3999999 B1", "Quasi-cyclic LDPC lifting for polar fallback in sidelink relays", "EP", "F-PL2"),
    ("CN 112345678 A", "Holographic waveguide eyepiece with birefringent combiner", "CN", "F-PL3"),
    ("WO 2019123456 A1", "Tailgating detection using thermographic silhouettes", "WO", "F-PL4"),
]

LICENSEE_PARTS_A = """Nor Vel Astr Cor Tel Quan Syn Omni Zen Lum Arc Vert Nex Oct Pol Sol Tri Ultr
Vir Wav Xen Hel Kin Mag Orb Pix Rad Sig Tek Vox""".split()
LICENSEE_PARTS_B = """ion ex ara ium ent ica ora ix on eon itas ura ane ico ova""".split()
LICENSEE_SUFFIX = ["Ltd", "Inc", "GmbH", "AG", "Co Ltd", "Corp", "SA", "Oy", "AB", "KK"]
FIXED_LICENSEES = ["Nokia", "Ericsson", "Sharp", "Amazon", "Samsung", "Xiaomi", "Vivo", "Oppo"]
LICENCE_KINDS = ["bilateral", "cross-licence", "outbound", "inbound", "pool"]

# Multi-year headline figures (value grows with the year, as they do)
FACT_SERIES = [
    # metric, unit, qualifier, base value in 2005, yearly growth, value format
    ("revenue", "CNY", "", 45.3, 1.14, "{v:.1f} billion yuan"),
    ("patent families", "count", "over", 4000, 1.12, "over {v:,.0f}"),
    ("patent applications filed", "count", "about", 1500, 1.10, "about {v:,.0f}"),
    ("standard essential patents", "count", "over", 600, 1.13, "over {v:,.0f}"),
]


def zipf_weights(n: int, s: float = 1.05) -> list[float]:
    return [1.0 / (i + 1) ** s for i in range(n)]


def _title(rng: random.Random, adj_w: list[float], noun_w: list[float]) -> str:
    head = rng.choice(HEADS)
    nouns = list(dict.fromkeys(rng.choices(NOUNS, weights=noun_w, k=rng.randint(1, 3))))
    parts = [head, rng.choice(LINKS)]
    if rng.random() < 0.7:
        parts.append(rng.choices(ADJECTIVES, weights=adj_w, k=1)[0])
    parts.append(" ".join(nouns))
    if rng.random() < 0.5:
        parts += [rng.choice(["in", "for", "of"]), rng.choice(DOMAINS)]
    if rng.random() < 0.3:
        parts += ["and", rng.choices(NOUNS, weights=noun_w, k=1)[0]]
    return " ".join(parts)


def _number(rng: random.Random, juris: str, used: set[str]) -> str:
    while True:
        if juris == "US":
            n = f"US {rng.randint(7_000_000, 11_999_999)} {rng.choice(['B1', 'B2', 'B2', 'A1'])}"
        elif juris == "EP":
            n = f"EP {rng.randint(1_000_000, 4_299_999)} {rng.choice(['A1', 'B1', 'B1'])}"
        elif juris == "CN":
            n = f"CN {rng.randint(100_000_000, 119_999_999)} {rng.choice(['A', 'B', 'B'])}"
        else:
            n = f"WO {rng.randint(2005, 2024)}{rng.randint(0, 199_999):06d} A1"
        if n not in used:
            used.add(n)
            return n


def patents(size: int, seed: int = SEED) -> list[list[str]]:
    rng = random.Random(seed)
    adj_w, noun_w = zipf_weights(len(ADJECTIVES)), zipf_weights(len(NOUNS))
    rows: list[list[str]] = []
    used: set[str] = set()
    with (FIXTURES / "patents.csv").open(encoding="utf-8") as fh:
        fixture = list(csv.reader(fh))[1:]
    for r in fixture:
        used.add(r[0])
        rows.append(r)
    for number, title, juris, family in PLANTED:
        used.add(number)
        rows.append([number, title, juris, "granted", "2016-05-04", "2019-07-09", "2036-05-04", family,
                     "consumer devices", OWNERS[0]])
    fam = 0
    while len(rows) < size:
        fam += 1
        title = _title(rng, adj_w, noun_w)
        filed = date(2003, 1, 1) + timedelta(days=rng.randint(0, 21 * 365))
        tech = rng.choice(TECHNOLOGIES)
        owner = rng.choice(OWNERS)
        # a family: the first filing plus up to three foreign counterparts
        members = ["CN"] if rng.random() < 0.5 else ["US"]
        members += rng.sample(["US", "EP", "WO", "CN"], k=rng.choices([0, 1, 2, 3], weights=[4, 3, 2, 1])[0])
        for juris in dict.fromkeys(members):
            if len(rows) >= size:
                break
            status = rng.choice(STATUSES)
            grant = filed + timedelta(days=rng.randint(500, 1500)) if status != "pending" else None
            expiry = date(filed.year + 20, filed.month, min(filed.day, 28))
            rows.append([_number(rng, juris, used), title, juris, status, filed.isoformat(),
                         grant.isoformat() if grant else "", expiry.isoformat(), f"F{fam:07d}", tech, owner])
    return rows


def licences(size: int, seed: int = SEED) -> list[list[str]]:
    """Thousands of licences for a large portfolio, a handful for a small one."""
    rng = random.Random(seed + 1)
    with (FIXTURES / "licences.csv").open(encoding="utf-8") as fh:
        rows = list(csv.reader(fh))[1:]
    n = min(5000, max(20, size // 40))
    seen = {(r[0], r[1], r[4]) for r in rows}
    names = FIXED_LICENSEES + [
        f"{a}{b} {rng.choice(['Wireless', 'Devices', 'Networks', 'Systems', 'Electronics', 'Mobile', 'Auto'])} "
        f"{rng.choice(LICENSEE_SUFFIX)}"
        for a in LICENSEE_PARTS_A for b in LICENSEE_PARTS_B
    ]
    while len(rows) < n:
        signed = date(2010, 1, 1) + timedelta(days=rng.randint(0, 15 * 365))
        name = rng.choice(names[8:])
        key = (name, "Huawei", signed.isoformat())
        if key in seen:
            continue
        seen.add(key)
        expires = signed + timedelta(days=365 * rng.randint(3, 10))
        rows.append([name, "Huawei", rng.choice(LICENCE_KINDS), rng.choice(TECHNOLOGIES), signed.isoformat(),
                     expires.isoformat(), rng.choice(["worldwide", "China", "Europe", "US", "Asia-Pacific"]),
                     "active" if expires > date(2026, 1, 1) else "expired"])
    return rows


def facts() -> list[list[str]]:
    with (FIXTURES / "facts.csv").open(encoding="utf-8") as fh:
        rows = list(csv.reader(fh))[1:]
    for metric, unit, qual, base, growth, fmt in FACT_SERIES:
        for year in range(2005, 2026):
            v = base * growth ** (year - 2005)
            rows.append(["Huawei", metric, str(year), fmt.format(v=v), unit, qual,
                         f"Huawei {year} annual report"])
    return rows


def write(size: int, out: Path = OUT, seed: int = SEED) -> Path:
    """Write the three CSVs (skipped when already written for this size and seed)."""
    folder = out / f"p{size}"
    stamp = folder / ".seed"
    if stamp.exists() and stamp.read_text() == str(seed):
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    for name, cols, data in (
        ("patents.csv", PATENT_COLUMNS, patents(size, seed)),
        ("licences.csv", LICENCE_COLUMNS, licences(size, seed)),
        ("facts.csv", FACT_COLUMNS, facts()),
    ):
        with (folder / name).open("w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh, lineterminator="\n")
            w.writerow(cols)
            w.writerows(data)
    stamp.write_text(str(seed))
    return folder


if __name__ == "__main__":
    for arg in sys.argv[1:] or ["1000"]:
        print(write(int(arg)))
