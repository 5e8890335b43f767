"""A labelled set of interview-style texts, written for Greenroom: the PII in each, and the technical
terms that must survive redaction. Used by test_pii.py (recall per entity type) and the README figures.

Each case: (text, [(entity type, exact PII string)], [technical terms that must stay]).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

CASES: list[tuple[str, list[tuple[str, str]], list[str]]] = [
    (
        "Hi, my name is Priya Raman and I have six years of experience with Python and Kafka.",
        [("PERSON", "Priya Raman")],
        ["Python", "Kafka"],
    ),
    (
        "You can reach me at priya.raman@example.com or on +44 20 7946 0958 if the recruiter needs anything.",
        [("EMAIL_ADDRESS", "priya.raman@example.com"), ("PHONE_NUMBER", "+44 20 7946 0958")],
        [],
    ),
    (
        "At my last job we replaced RabbitMQ with Kafka and cut p99 latency from 800ms to 120ms.",
        [],
        ["RabbitMQ", "Kafka", "p99"],
    ),
    (
        "My manager was Daniel Okafor, and together we migrated the monolith to Kubernetes with Terraform.",
        [("PERSON", "Daniel Okafor")],
        ["Kubernetes", "Terraform"],
    ),
    (
        "I live at 742 Evergreen Terrace, Springfield, so commuting to the office in Chicago is fine.",
        [("STREET_ADDRESS", "742 Evergreen Terrace"), ("LOCATION", "Chicago")],
        [],
    ),
    (
        "The cache layer used Redis with an LRU policy, and PostgreSQL stayed the source of truth.",
        [],
        ["Redis", "LRU", "PostgreSQL"],
    ),
    (
        "My GitHub is github.com/mkowalski-dev and most of my Rust work is there.",
        [("PROFILE_URL", "github.com/mkowalski-dev")],
        ["Rust"],
    ),
    (
        "Please look at my LinkedIn profile, https://www.linkedin.com/in/sofia-hernandez-42, for references.",
        [("PROFILE_URL", "https://www.linkedin.com/in/sofia-hernandez-42")],
        [],
    ),
    (
        "For the background check my social security number is 512-43-8890.",
        [("GOV_ID", "512-43-8890")],
        [],
    ),
    (
        "My employee ID at Globex was EMP-48213, in case HR asks for it.",
        [("EMPLOYEE_ID", "EMP-48213")],
        [],
    ),
    (
        "We used Raft for leader election in the metadata service instead of ZooKeeper.",
        [],
        ["Raft", "ZooKeeper"],
    ),
    (
        "I tuned the G1 collector on the JVM and moved the heavy services to ZGC.",
        [],
        ["G1", "JVM", "ZGC"],
    ),
    (
        "When the outage hit, I called Marcus Lindqvist at 3 a.m. and we rolled back the Helm release together.",
        [("PERSON", "Marcus Lindqvist")],
        ["Helm"],
    ),
    (
        "Text me on (415) 555-0132 after the interview, or email jamal.wright@fastmail.com.",
        [("PHONE_NUMBER", "(415) 555-0132"), ("EMAIL_ADDRESS", "jamal.wright@fastmail.com")],
        [],
    ),
    (
        "I moved from Berlin to Toronto last year and my new address is 18 Queen Street, Apt 4.",
        [("LOCATION", "Berlin"), ("LOCATION", "Toronto"), ("STREET_ADDRESS", "18 Queen Street, Apt 4")],
        [],
    ),
    (
        "The team lead, Aisha Bello, asked me to design the Elasticsearch indexing pipeline with Flink.",
        [("PERSON", "Aisha Bello")],
        ["Elasticsearch", "Flink"],
    ),
    (
        "My passport number is K4829175, and my UK national insurance number is QQ 12 34 56 C.",
        [("GOV_ID", "K4829175"), ("GOV_ID", "QQ 12 34 56 C")],
        [],
    ),
    (
        "Badge number 77120 got me into the data centre where we racked the new GPU nodes.",
        [("EMPLOYEE_ID", "77120")],
        ["GPU"],
    ),
    (
        "Observability was Prometheus and Grafana, with OpenTelemetry traces shipped to Jaeger.",
        [],
        ["Prometheus", "Grafana", "OpenTelemetry", "Jaeger"],
    ),
    (
        "I'm Tomás García, a backend engineer from Madrid who mostly writes Go and some Scala.",
        [("PERSON", "Tomás García"), ("LOCATION", "Madrid")],
        ["Go", "Scala"],
    ),
    (
        "Call my mobile, +49 151 23456789, or the office line 030 1234 5678 in Berlin.",
        [("PHONE_NUMBER", "+49 151 23456789"), ("PHONE_NUMBER", "030 1234 5678"), ("LOCATION", "Berlin")],
        [],
    ),
    (
        "Our SLO was 99.9% availability, and the error budget policy froze deploys when we burned it.",
        [],
        ["SLO"],
    ),
    (
        "Before that I interned at Initech under Wei Zhang, building Airflow DAGs for the finance team.",
        [("PERSON", "Wei Zhang")],
        ["Airflow"],
    ),
    (
        "Send the offer letter to 1600 Pennsylvania Avenue, Washington, or to my email kate.m@outlook.com.",
        [
            ("STREET_ADDRESS", "1600 Pennsylvania Avenue"),
            ("LOCATION", "Washington"),
            ("EMAIL_ADDRESS", "kate.m@outlook.com"),
        ],
        [],
    ),
    (
        "The consumer lag alerts in Kafka were noisy, so I rewrote them as SLO burn-rate alerts in Prometheus.",
        [],
        ["Kafka", "SLO", "Prometheus"],
    ),
    (
        "My colleague Olivia Brown reviewed the Terraform modules, and I owned the Ansible playbooks.",
        [("PERSON", "Olivia Brown")],
        ["Terraform", "Ansible"],
    ),
    (
        "I'd rather not share my driver's license D1234-56789-01234 but I can share my staff ID 55-1032.",
        [("GOV_ID", "D1234-56789-01234"), ("EMPLOYEE_ID", "55-1032")],
        [],
    ),
    (
        "Our Cassandra cluster in Dublin held the time series, with Spark jobs for the nightly rollups.",
        [("LOCATION", "Dublin")],
        ["Cassandra", "Spark"],
    ),
    (
        "I am Hannah Schmidt, I live at Lindenstraße 14 in Munich, and my number is +49 89 1234567.",
        [
            ("PERSON", "Hannah Schmidt"),
            ("STREET_ADDRESS", "Lindenstraße 14"),
            ("LOCATION", "Munich"),
            ("PHONE_NUMBER", "+49 89 1234567"),
        ],
        [],
    ),
    (
        "For system design I'd put NGINX in front, shard PostgreSQL by tenant, and cache hot keys in Redis.",
        [],
        ["NGINX", "PostgreSQL", "Redis"],
    ),
    (
        "Ravi Patel and I wrote the gRPC gateway; you can see it at github.com/ravipatel/gateway-demo.",
        [("PERSON", "Ravi Patel"), ("PROFILE_URL", "github.com/ravipatel")],
        ["gRPC"],
    ),
    (
        "The hiring coordinator, Emma Thompson, said to mention employee number E-20417 for the referral bonus.",
        [("PERSON", "Emma Thompson"), ("EMPLOYEE_ID", "E-20417")],
        [],
    ),
    (
        "I debugged a split-brain in our Raft implementation by replaying the WAL and checking term numbers.",
        [],
        ["Raft", "WAL"],
    ),
    (
        "Reach me at lucas.moreau@gmail.com; I'm based at 12 rue de Rivoli in Paris.",
        [
            ("EMAIL_ADDRESS", "lucas.moreau@gmail.com"),
            ("STREET_ADDRESS", "12 rue de Rivoli"),
            ("LOCATION", "Paris"),
        ],
        [],
    ),
    (
        "At Hooli I reported to Gavin Belson and built the Kubernetes operator in Go with Kubebuilder.",
        [("PERSON", "Gavin Belson")],
        ["Kubernetes", "Go"],
    ),
    (
        "My SSN is 078-05-1120 and my mobile is 212-555-0199; please keep them private.",
        [("GOV_ID", "078-05-1120"), ("PHONE_NUMBER", "212-555-0199")],
        [],
    ),
    (
        "We load-tested with k6, found the bottleneck in the Django ORM, and moved hot paths to FastAPI.",
        [],
        ["Django", "ORM", "FastAPI"],
    ),
    (
        "Sarah O'Connor mentored me on incident response; she is in Sydney now.",
        [("PERSON", "Sarah O'Connor"), ("LOCATION", "Sydney")],
        [],
    ),
]

#: Written AFTER the recognisers were tuned on CASES and never used to tune them: an honest check.
#: benchmarks/storage.py reports recall on it; no test asserts a threshold on it.
HELDOUT: list[tuple[str, list[tuple[str, str]], list[str]]] = [
    (
        "Good morning, I'm Fatima Al-Sayed and I've spent four years on Spark pipelines.",
        [("PERSON", "Fatima Al-Sayed")],
        ["Spark"],
    ),
    (
        "Best way to reach me is noah.kim93@protonmail.com, or my cell 647-555-0143.",
        [("EMAIL_ADDRESS", "noah.kim93@protonmail.com"), ("PHONE_NUMBER", "647-555-0143")],
        [],
    ),
    (
        "Our team in Bangalore ran Cassandra and the on-call rotation was led by Arjun Mehta.",
        [("LOCATION", "Bangalore"), ("PERSON", "Arjun Mehta")],
        ["Cassandra"],
    ),
    (
        "I still live at 55 Harbour Road, close to the old office, and bike in every day.",
        [("STREET_ADDRESS", "55 Harbour Road")],
        [],
    ),
    (
        "Code samples are on gitlab.com/lena-fischer and my blog links to them.",
        [("PROFILE_URL", "gitlab.com/lena-fischer")],
        [],
    ),
    (
        "Payroll knew me as employee #A-88213 when I was at Umbrella Corp.",
        [("EMPLOYEE_ID", "A-88213")],
        [],
    ),
    (
        "We cut Postgres replication lag by batching WAL shipping; Chen Wei helped profile it with pgbench.",
        [("PERSON", "Chen Wei")],
        ["Postgres", "WAL"],
    ),
    (
        "My tax ID is 12-3456789 and my passport number is 987654321, for the visa paperwork.",
        [("GOV_ID", "12-3456789"), ("GOV_ID", "987654321")],
        [],
    ),
    (
        "If the link breaks, call +33 6 12 34 56 78; I'm in Lyon until March.",
        [("PHONE_NUMBER", "+33 6 12 34 56 78"), ("LOCATION", "Lyon")],
        [],
    ),
    (
        "Jonas Becker and I rebuilt the Terraform state layout and moved secrets into Vault.",
        [("PERSON", "Jonas Becker")],
        ["Terraform", "Vault"],
    ),
    (
        "The incident review with Maria Santos showed the Redis eviction policy was wrong for our p95 goals.",
        [("PERSON", "Maria Santos")],
        ["Redis", "p95"],
    ),
    (
        "Please post any paperwork to 9 Elm Close, Oxford, attention of Grace Liu.",
        [("STREET_ADDRESS", "9 Elm Close"), ("LOCATION", "Oxford"), ("PERSON", "Grace Liu")],
        [],
    ),
]


def evaluate(
    detector: Any, cases: list[tuple[str, list[tuple[str, str]], list[str]]]
) -> tuple[dict[str, float], float, list[str]]:
    """Recall per entity type (a labelled entity counts when one span of the SAME type covers it), the
    share of technical terms that survive redaction, and the misses (for failure messages)."""
    from greenroom.privacy.pii import Anonymizer

    total: Counter[str] = Counter()
    found: Counter[str] = Counter()
    terms = kept = 0
    misses: list[str] = []
    for text, entities, tech in cases:
        spans = detector.detect(text)
        redacted = Anonymizer(detector).redact(text, spans)
        for kind, value in entities:
            start = text.index(value)
            end = start + len(value)
            total[kind] += 1
            if any(s.start <= start and s.end >= end and s.entity_type == kind for s in spans):
                found[kind] += 1
            else:
                misses.append(f"{kind} {value!r} in {text!r}: {[(s.entity_type, s.text) for s in spans]}")
        for term in tech:
            terms += 1
            if term in redacted:
                kept += 1
            else:
                misses.append(f"technical term {term!r} redacted: {redacted!r}")
    return {k: found[k] / total[k] for k in total}, kept / max(terms, 1), misses


def redacted_share(detector: Any, cases: list[tuple[str, list[tuple[str, str]], list[str]]]) -> tuple[int, int]:
    """(labelled entities covered by a span of ANY type, labelled entities): what stays private."""
    covered = total = 0
    for text, entities, _ in cases:
        spans = detector.detect(text)
        for _, value in entities:
            start = text.index(value)
            total += 1
            covered += any(s.start <= start and s.end >= start + len(value) for s in spans)
    return covered, total
