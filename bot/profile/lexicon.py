"""Words that tie resumes and job descriptions to the question bank's tags (English, Korean).

Each question tag of the bank (``caching``, ``stakeholder_management``...) lists the words
that name it in a job description or resume. Matching is on word starts, case-insensitive,
so "cache" also finds "caching" and "cached"; Korean terms match anywhere (particles attach
to the end of a word: "캐시를", "캐시와"). Tags map to the skill catalogue's skills through the
catalogue itself (``SkillCatalogue.for_tag``), so this file never names a skill id.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from functools import cache

from bot.catalog import Kind, Level

log = logging.getLogger(__name__)

# tag -> words naming it (English words match at word starts; Hangul anywhere).
TAG_TERMS: Mapping[str, tuple[str, ...]] = {
    # system design and infrastructure
    "caching": ("cache", "caching", "redis", "memcache", "캐시", "캐싱", "레디스"),
    "cdn": ("cdn", "content delivery", "edge network"),
    "scalability": (
        "scalab",
        "scale",
        "high traffic",
        "high-traffic",
        "millions of",
        "확장성",
        "대규모",
        "트래픽",
    ),
    "distributed_systems": (
        "distributed",
        "microservice",
        "micro-service",
        "분산",
        "마이크로서비스",
    ),
    "availability": ("availability", "uptime", "99.9", "failover", "가용성", "장애 대응"),
    "reliability": ("reliab", "resilien", "sre", "on-call", "on call", "신뢰성", "안정성"),
    "queues": (
        "kafka",
        "rabbitmq",
        "sqs",
        "message queue",
        "pub/sub",
        "pubsub",
        "event-driven",
        "event driven",
        "메시지 큐",
        "카프카",
    ),
    "rate_limiting": ("rate limit", "throttl", "처리율 제한"),
    "idempotency": ("idempoten", "exactly-once", "exactly once", "멱등"),
    "payments": ("payment", "billing", "checkout", "fintech", "결제", "핀테크", "정산"),
    "real_time": (
        "real-time",
        "realtime",
        "real time",
        "websocket",
        "streaming",
        "실시간",
        "스트리밍",
    ),
    "notifications": ("notification", "push", "알림"),
    "storage": ("storage", "s3", "blob", "object store", "저장소", "스토리지"),
    "databases": (
        "database",
        "sql",
        "postgres",
        "mysql",
        "mongodb",
        "dynamodb",
        "nosql",
        "데이터베이스",
        "DB ",
    ),
    "data_modeling": ("data model", "schema", "데이터 모델", "스키마"),
    "indexing": ("index", "인덱스"),
    "replication": ("replica", "replication", "복제"),
    "sharding": ("shard", "partition", "샤딩", "파티션"),
    "consistency": ("consisten", "eventual", "일관성"),
    "transactions": ("transaction", "acid", "트랜잭션"),
    "search": ("search", "elasticsearch", "opensearch", "검색"),
    "api_design": ("api", "restful", "rest api", "grpc", "graphql", "endpoint", "인터페이스 설계"),
    # technical fundamentals
    "concurrency": (
        "concurren",
        "multithread",
        "multi-thread",
        "parallel",
        "동시성",
        "멀티스레드",
        "병렬",
    ),
    "async_io": ("async", "asyncio", "non-blocking", "event loop", "비동기"),
    "performance": ("performance", "latency", "optimi", "profil", "성능", "지연 시간", "최적화"),
    "observability": (
        "observab",
        "monitoring",
        "metrics",
        "tracing",
        "logging",
        "prometheus",
        "grafana",
        "datadog",
        "모니터링",
        "관측",
    ),
    "debugging": ("debug", "troubleshoot", "root cause", "디버깅", "원인 분석"),
    "testing": ("test", "tdd", "qa", "테스트"),
    "security": ("security", "secure", "owasp", "vulnerab", "보안", "취약점"),
    "authentication": ("authenticat", "authoriz", "oauth", "sso", "identity", "인증"),
    "networking": ("network", "tcp", "dns", "load balanc", "네트워크", "로드 밸런"),
    "http": ("http",),
    "operating_systems": ("linux", "kernel", "operating system", "운영체제", "리눅스"),
    "memory_management": ("memory", "메모리"),
    "garbage_collection": ("garbage collect", "jvm", "가비지 컬렉"),
    "containers": ("docker", "kubernetes", "k8s", "container", "도커", "쿠버네티스", "컨테이너"),
    "ci_cd": (
        "ci/cd",
        "continuous integration",
        "continuous delivery",
        "deploy",
        "배포",
    ),
    "version_control": ("git", "code review", "코드 리뷰"),
    "object_oriented_design": (
        "object-oriented",
        "object oriented",
        "oop",
        "design pattern",
        "객체 지향",
        "디자인 패턴",
    ),
    # coding
    "graphs": ("graph", "그래프"),
    "dynamic_programming": ("dynamic programming", "동적 계획"),
    "trees": ("tree", "트리"),
    # behavioral
    "leadership": ("lead", "leadership", "tech lead", "리더", "리드", "이끌"),
    "mentoring": ("mentor", "coach", "멘토", "멘토링", "코칭"),
    "ownership": ("ownership", "own ", "owner", "end-to-end", "end to end", "오너십", "주도"),
    "initiative": ("initiative", "self-starter", "proactive", "주도적", "능동"),
    "stakeholder_management": (
        "stakeholder",
        "product manager",
        "cross-functional",
        "cross functional",
        "이해관계자",
        "기획자",
        "유관 부서",
    ),
    "cross_team": ("cross-team", "across teams", "multiple teams", "협업 부서", "타 팀"),
    "collaboration": ("collaborat", "teamwork", "team player", "협업", "팀워크"),
    "communication": ("communicat", "written", "presentation", "커뮤니케이션", "소통", "발표"),
    "influence": ("influence", "persuad", "align", "영향력", "설득"),
    "conflict_resolution": ("conflict", "disagree", "갈등", "이견"),
    "decision_making": (
        "decision",
        "judgement",
        "judgment",
        "trade-off",
        "tradeoff",
        "의사 결정",
        "의사결정",
        "트레이드오프",
    ),
    "prioritization": ("prioriti", "roadmap", "우선순위", "로드맵"),
    "ambiguity": (
        "ambigu",
        "uncertain",
        "fast-paced",
        "fast paced",
        "startup",
        "모호",
        "불확실",
        "스타트업",
    ),
    "customer_focus": ("customer", "user-facing", "user experience", "고객", "사용자 경험"),
    "delivery": ("deliver", "ship", "launch", "출시", "딜리버리"),
    "incident_response": ("incident", "outage", "postmortem", "post-mortem", "장애", "포스트모템"),
    "failure_recovery": ("failure", "recover", "실패", "복구"),
    "learning_agility": ("learn", "curious", "growth mindset", "학습", "성장"),
    "adaptability": ("adapt", "flexib", "적응", "유연"),
    "technical_debt": (
        "technical debt",
        "tech debt",
        "legacy",
        "refactor",
        "기술 부채",
        "레거시",
        "리팩터",
    ),
    "time_management": ("deadline", "time management", "마감", "일정 관리"),
    "feedback": ("feedback", "피드백"),
    "motivation": ("passion", "mission", "motivat", "열정", "동기"),
}

# Words that say which interview kinds a job implies (behavioral is always implied).
KIND_TERMS: Mapping[Kind, tuple[str, ...]] = {
    Kind.CODING: (
        "algorithm",
        "data structure",
        "leetcode",
        "coding",
        "problem solving",
        "python",
        "java",
        "golang",
        "c++",
        "typescript",
        "알고리즘",
        "자료구조",
        "코딩",
    ),
    Kind.SYSTEM_DESIGN: (
        "system design",
        "architecture",
        "distributed",
        "scalab",
        "microservice",
        "high availability",
        "시스템 설계",
        "아키텍처",
        "분산",
        "대규모",
    ),
    Kind.TECHNICAL: (
        "engineer",
        "developer",
        "backend",
        "back-end",
        "frontend",
        "front-end",
        "infrastructure",
        "devops",
        "sre",
        "database",
        "kubernetes",
        "개발자",
        "엔지니어",
        "백엔드",
        "프론트엔드",
        "인프라",
    ),
}

# Words that say the level a job is written for, most telling first.
LEVEL_TERMS: tuple[tuple[Level, tuple[str, ...]], ...] = (
    (
        Level.SENIOR,
        (
            "staff",
            "principal",
            "senior",
            "sr.",
            "lead ",
            "tech lead",
            "architect",
            "시니어",
            "리드",
            "수석",
        ),
    ),
    (
        Level.JUNIOR,
        (
            "junior",
            "jr.",
            "entry level",
            "entry-level",
            "graduate",
            "new grad",
            "intern",
            "associate",
            "주니어",
            "신입",
            "인턴",
        ),
    ),
    (Level.MID, ("mid-level", "mid level", "intermediate", "미들")),
)
# Ranks above senior (the levels stop there): a job asking for one is interviewed as senior,
# and what is shown back names the rank. Most senior first.
RANK_TERMS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("principal", ("principal", "수석")),
    ("staff", ("staff",)),
    ("lead", ("lead engineer", "lead developer", "tech lead", "team lead", "lead", "리드", "팀장")),
)
# "5+ years", "at least 7 years", "경력 5년 이상".
YEARS = re.compile(r"(\d{1,2})\s*\+?\s*(?:years|yrs|년)", re.IGNORECASE)

# Verbs that open a resume line about something the candidate did, and the project words.
ACTION_VERBS: tuple[str, ...] = (
    "led",
    "built",
    "designed",
    "launched",
    "shipped",
    "created",
    "developed",
    "migrated",
    "architected",
    "implemented",
    "owned",
    "drove",
    "founded",
    "rewrote",
    "scaled",
    "automated",
    "introduced",
    "delivered",
    "managed",
    "established",
    "reduced",
    "improved",
    "optimized",
    "optimised",
    "redesigned",
    "spearheaded",
    "headed",
)
KOREAN_ACTIONS: tuple[str, ...] = (
    "개발",
    "구축",
    "설계",
    "주도",
    "도입",
    "출시",
    "개선",
    "전환",
    "마이그레이션",
    "운영",
    "리드",
    "최적화",
)
# Verbs whose object is a measure ("Reduced p99 latency by 45%", "응답 시간을 50ms로 개선"):
# their lines are results, never projects to name in a question.
IMPROVE_VERBS: frozenset[str] = frozenset(
    (
        "reduced",
        "improved",
        "optimized",
        "optimised",
        "cut",
        "increased",
        "boosted",
        "grew",
        "saved",
        "lowered",
        "decreased",
        "accelerated",
        "sped",
        "raised",
        "doubled",
        "tripled",
        "halved",
    )
)
KOREAN_IMPROVE: frozenset[str] = frozenset(
    ("개선", "최적화", "단축", "절감", "감소", "향상", "증가", "줄임", "높임")
)
# A measured result: a number with a unit of change or size.
MEASURE = re.compile(
    r"(\d[\d,.]*\s*(?:%|percent|퍼센트|x\b|×|배|ms\b|밀리초|초\b|seconds?\b|minutes?\b|hours?\b|"
    r"days?\b|weeks?\b|시간|일\b|주\b|k\b|m\b|만|억|원|users?\b|customers?\b|명|건|"
    r"requests?\b|qps|rps|tps)|\$\s?\d[\d,.]*\s*[kmb]?)",
    re.IGNORECASE,
)


def _pattern(term: str) -> re.Pattern[str]:
    if re.search(r"[\uac00-\ud7a3]", term):
        return re.compile(re.escape(term.strip()))
    return re.compile(r"(?<![\w])" + re.escape(term.strip().lower()))


@cache
def _compiled() -> dict[str, tuple[re.Pattern[str], ...]]:
    return {tag: tuple(_pattern(t) for t in terms) for tag, terms in TAG_TERMS.items()}


def tag_hits(text: str) -> dict[str, int]:
    """Return how often each tag's words occur in ``text``, in the order they first occur."""
    lowered = text.lower()
    found: list[tuple[int, str, int]] = []
    for tag, patterns in _compiled().items():
        matches = [m for p in patterns for m in p.finditer(lowered)]
        if matches:
            found.append((min(m.start() for m in matches), tag, len(matches)))
    return {tag: count for _, tag, count in sorted(found)}


def mentions(text: str, terms: Iterable[str]) -> int:
    """Return how many of ``terms`` occur in ``text``."""
    lowered = text.lower()
    return sum(1 for t in terms if _pattern(t).search(lowered))


# Technologies a resume may name outside its skills line, as they are usually written, with
# the other spellings that name them. Only these count as skills found elsewhere: the tag
# words above also name topics and domains ("payment", "latency", "on-call", "mentor"), which
# say what the work was about, not what the candidate can use.
TECH_TERMS: Mapping[str, tuple[str, ...]] = {
    "Python": ("python",),
    "Go": ("golang",),
    "Java": ("java",),
    "Kotlin": ("kotlin",),
    "Scala": ("scala",),
    "TypeScript": ("typescript",),
    "JavaScript": ("javascript",),
    "Rust": ("rust",),
    "C++": ("c++",),
    "C#": ("c#",),
    "Ruby": ("ruby",),
    "PHP": ("php",),
    "Swift": ("swift",),
    "SQL": ("sql",),
    "PostgreSQL": ("postgresql", "postgres"),
    "MySQL": ("mysql",),
    "MongoDB": ("mongodb",),
    "DynamoDB": ("dynamodb",),
    "Redis": ("redis", "레디스"),
    "Elasticsearch": ("elasticsearch",),
    "Kafka": ("kafka", "카프카"),
    "RabbitMQ": ("rabbitmq",),
    "Spark": ("spark",),
    "Airflow": ("airflow",),
    "Kubernetes": ("kubernetes", "k8s", "쿠버네티스"),
    "Docker": ("docker", "도커"),
    "Terraform": ("terraform",),
    "AWS": ("aws",),
    "GCP": ("gcp", "google cloud"),
    "Azure": ("azure",),
    "Linux": ("linux", "리눅스"),
    "Git": ("git",),
    "gRPC": ("grpc",),
    "GraphQL": ("graphql",),
    "React": ("react.js", "reactjs", "react native"),
    "Node.js": ("node.js", "nodejs"),
    "Django": ("django",),
    "FastAPI": ("fastapi",),
    "Flask": ("flask",),
    "Spring": ("spring boot", "spring framework"),
    "Prometheus": ("prometheus",),
    "Grafana": ("grafana",),
    "Datadog": ("datadog",),
}


@cache
def _tech_patterns() -> tuple[tuple[str, re.Pattern[str]], ...]:
    found = []
    for name, spellings in TECH_TERMS.items():
        for spelling in spellings:
            if re.search(r"[\uac00-\ud7a3]", spelling):
                found.append((name, re.compile(re.escape(spelling))))
            else:
                # Whole words only: "Java" is not "JavaScript", "Go" never matches "good".
                found.append((name, re.compile(rf"(?<![\w.+#]){re.escape(spelling)}(?![\w+#])")))
    return tuple(found)


def technologies(text: str) -> list[str]:
    """Return the technologies ``text`` names, as usually written, in the order they occur."""
    lowered = text.casefold()
    first: dict[str, int] = {}
    for name, pattern in _tech_patterns():
        match = pattern.search(lowered)
        if match and (name not in first or match.start() < first[name]):
            first[name] = match.start()
    return sorted(first, key=lambda n: first[n])


def technology_name(item: str) -> str | None:
    """Return the usual name of the technology ``item`` spells ("postgres" → "PostgreSQL")."""
    key = item.strip().casefold()
    for name, spellings in TECH_TERMS.items():
        if key == name.casefold() or key in spellings:
            return name
    return None
