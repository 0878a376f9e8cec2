"""Make a deterministic synthetic Local Offer: the demo's pages plus N generated services.

    python bench/make_corpus.py N DIR

Every generated service is valid (all fields, review dates in date for --today 2026-11-23) and
has realistic Markdown: 200 to 1,500 words with headings, lists, a table and links to other
services and pages, so every build stage is exercised. The same N gives the same files.
"""

from __future__ import annotations

import random
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from lo_static.schema import AGE_GROUPS, NEED_TYPES, SERVICE_LEVELS  # noqa: E402
from lo_static.schema import TOPICS as SCHEMA_TOPICS  # noqa: E402

DEMO = ROOT / "content"
# The content model's own values, so the corpus follows it when it changes.
AGES = list(AGE_GROUPS)
NEEDS = list(NEED_TYPES)
TOPICS = list(SCHEMA_TOPICS)
LEVELS = list(SERVICE_LEVELS)
COVERAGE = ["in-area", "in-area", "in-area", "out-of-area", "regional", "national"]
KINDS = [
    "therapy",
    "club",
    "support group",
    "advice line",
    "outreach team",
    "drop-in",
    "short break",
    "training course",
    "play scheme",
    "clinic",
]
SUBJECTS = [
    "speech",
    "autism",
    "sensory",
    "mobility",
    "reading",
    "wellbeing",
    "sleep",
    "independence",
    "sport",
    "music",
    "art",
    "swimming",
    "family",
    "transition",
]
PLACES = ["Ashdown", "Millbrook", "Fernley", "Kelbridge", "Oakley", "Brampton"]
WORDS = [
    "help",
    "support",
    "child",
    "young",
    "person",
    "family",
    "school",
    "team",
    "meet",
    "plan",
    "need",
    "session",
    "week",
    "parent",
    "carer",
    "group",
    "staff",
    "visit",
    "home",
    "centre",
    "room",
    "activity",
    "skill",
    "learn",
    "play",
    "talk",
    "listen",
    "friend",
    "share",
    "time",
    "place",
    "safe",
    "calm",
    "quiet",
    "space",
    "choice",
    "goal",
    "review",
    "progress",
    "service",
    "referral",
    "advice",
    "information",
    "local",
    "free",
    "cost",
    "travel",
    "bus",
    "door",
    "access",
]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]
LINK_TEXTS = ["advice", "help at school", "short breaks", "the Local Offer"]
OWNERS = ["Local Offer Team", "Short Breaks Team", "Children's Community Health"]
PAGES = [
    "../about/what-is-the-local-offer.md",
    "../education/send-support-in-schools.md",
    "../advice-and-support/sendiass-information-advice-and-support.md",
    "../social-care/short-breaks-services-statement.md",
]


def sentence(rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(6, 16))]
    return " ".join(words).capitalize() + "."


def paragraph(rng: random.Random) -> str:
    return " ".join(sentence(rng) for _ in range(rng.randint(2, 5)))


def body(rng: random.Random, index: int, total: int) -> str:
    target = rng.randint(200, 1500)
    parts: list[str] = [paragraph(rng)]
    headings = [
        "What we do",
        "Who can come",
        "What happens at a session",
        "How to get a place",
        "Getting here",
        "What families say",
        "After the service",
    ]
    while sum(len(p.split()) for p in parts) < target:
        parts.append(f"## {rng.choice(headings)} {len(parts)}")
        parts.append(paragraph(rng))
        if rng.random() < 0.5:
            parts.append("\n".join(f"- {sentence(rng)}" for _ in range(rng.randint(2, 5))))
        if rng.random() < 0.2:
            rows = "\n".join(
                f"| {rng.choice(PLACES)} | {rng.choice(DAYS)} | {rng.randint(9, 16)}:00 |"
                for _ in range(3)
            )
            parts.append(f"| Place | Day | Time |\n| --- | --- | --- |\n{rows}")
        other = rng.randrange(total)
        parts.append(
            f"See also [{service_title(other)}](service-{other:05d}.md) and "
            f"[{rng.choice(LINK_TEXTS)}]"
            f"({rng.choice(PAGES)})."
        )
    return "\n\n".join(parts) + "\n"


def service_title(index: int) -> str:
    rng = random.Random(index)
    return (f"{rng.choice(PLACES)} {rng.choice(SUBJECTS)} {rng.choice(KINDS)} {index}").capitalize()


def service(index: int, total: int) -> str:
    rng = random.Random(index * 7919 + total)
    ages = sorted(set(rng.sample(AGES, rng.randint(1, 3))), key=AGES.index)
    if index < 4:
        ages = [AGES[index]]  # every age group is covered whatever N is
    level = LEVELS[index % 3]
    coverage = "regional" if index == 3 else rng.choice(COVERAGE)
    phone = f"01632 96{index % 1000:04d}"
    front = f"""---
title: {service_title(index)}
summary: A {rng.choice(KINDS)} for children and young people, run in {rng.choice(PLACES)}.
last_reviewed: 2026-10-{rng.randint(1, 28):02d}
review_by: 2027-09-30
owner: {rng.choice(OWNERS)}
provider: {rng.choice(PLACES)} {rng.choice(["Trust", "Charity", "Council"])}
service_level: {level}
coverage: {coverage}
age_groups: [{", ".join(ages)}]
need_types: [{", ".join(sorted(set(rng.sample(NEEDS, rng.randint(1, 2))), key=NEEDS.index))}]
topics: [{rng.choice(TOPICS)}]
eligibility: Children and young people who live in Ashdown Vale and need this kind of help.
how_to_access: Phone us or ask your school or doctor to refer you.
cost: {rng.choice(["Free", "£3 a session", "Free for families on benefits"])}
contact:
  phone: {phone}
  email: service{index}@ashdownvale.example
opening_hours: Monday to Friday, 9am to 5pm
---

"""
    return front + body(rng, index, total)


LEAFLET_EVERY = 250
"""One synthetic leaflet per this many services (each carries four of them)."""


def leaflet(number: int) -> str:
    """An A5 leaflet carrying four synthetic services."""
    first = number * LEAFLET_EVERY
    pages = "\n".join(f"  - services/service-{first + k:05d}.md" for k in range(4))
    return f"""---
title: Services leaflet {number + 1}
summary: Four services for children and young people, on one leaflet.
size: A5
pages:
{pages}
last_reviewed: 2026-10-01
review_by: 2027-09-30
owner: Local Offer Team
---

These services are part of the Local Offer. Phone them or read more online.
"""


def make(count: int, target: Path) -> None:
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(DEMO, target)
    services = target / "services"
    for index in range(count):
        (services / f"service-{index:05d}.md").write_text(service(index, count), encoding="utf-8")
    for number in range(max(1, count // LEAFLET_EVERY) if count >= 4 else 0):
        path = target / "leaflets" / f"synthetic-{number + 1:03d}.md"
        path.write_text(leaflet(number), encoding="utf-8")


if __name__ == "__main__":
    if len(sys.argv) != 3 or not sys.argv[1].isdigit():
        sys.exit("usage: python bench/make_corpus.py N DIR")
    make(int(sys.argv[1]), Path(sys.argv[2]))
