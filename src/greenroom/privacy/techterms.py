"""The allow-list: technical vocabulary that must never be redacted as PII.

Redacting "Kafka" or "Redis" as a PERSON, or "Kubernetes" as a place, would wreck the grading of a
technical answer. The small spaCy model does exactly that, so every PERSON/LOCATION span containing
one of these words, or a token that looks like a metric or version (p99, G1, v2, 200ms, HTTP/2), is
dropped by `PiiDetector`.
"""

from __future__ import annotations

import re

TECH_TERMS: frozenset[str] = frozenset(
    t.lower()
    for t in """
    Python Java JavaScript TypeScript Go Golang Rust Ruby Rails Kotlin Scala Swift Haskell Erlang Elixir Clojure
    Perl PHP Lua Julia Dart Flutter C C++ C# .NET Bash Zsh PowerShell SQL NoSQL GraphQL gRPC REST SOAP JSON YAML
    Kafka Redis PostgreSQL Postgres MySQL MariaDB SQLite MongoDB Cassandra DynamoDB Elasticsearch OpenSearch
    ClickHouse Snowflake BigQuery Redshift Spark Flink Hadoop Hive Presto Trino Airflow Dagster dbt Beam Storm
    RabbitMQ ActiveMQ NATS Pulsar Kinesis SQS SNS ZooKeeper etcd Consul Vault Nomad Raft Paxos Zab CRDT CRDTs
    Kubernetes K8s Docker Podman Helm Istio Envoy Linkerd Terraform Pulumi Ansible Chef Puppet Jenkins CircleCI
    GitHub GitLab Bitbucket Git Argo ArgoCD Flux Prometheus Grafana Datadog Jaeger Zipkin OpenTelemetry Kibana
    Logstash Splunk Sentry PagerDuty Nginx Apache HAProxy Traefik Memcached Varnish CDN Cloudflare Fastly
    AWS EC2 S3 Lambda ECS EKS GKE AKS Azure GCP Heroku Vercel Netlify Linux Ubuntu Debian Windows macOS Unix
    JVM G1 ZGC Shenandoah CMS GC HotSpot GraalVM V8 Node Node.js Deno Bun React Angular Vue Svelte Next.js Django
    Flask FastAPI Spring Boot Hibernate Express NestJS Laravel Symfony PyTorch TensorFlow JAX Keras NumPy Pandas
    Polars scikit-learn XGBoost LightGBM Hugging Face Transformers BERT GPT LLaMA Llama Whisper OpenAI CUDA ROCm
    TPU GPU CPU RAM SSD NVMe TCP UDP QUIC HTTP HTTPS TLS SSL DNS BGP OSPF IPv4 IPv6 OAuth OIDC SAML JWT LDAP
    Kerberos SSO MFA RBAC ABAC CI CD CI/CD SRE DevOps MLOps SLA SLO SLI MTTR MTTD RPO RTO OKR KPI API APIs SDK
    CLI UI UX ORM MVC MVVM SOLID DRY KISS YAGNI TDD BDD DDD CQRS ACID BASE CAP PACELC LSM B-tree BTree Bloom
    HyperLogLog MapReduce Kappa Lambda Saga Outbox WAL MVCC Dijkstra Kruskal Prim Bellman-Ford A* LRU LFU FIFO
    LIFO O(n) Big-O Jira Confluence Slack Scrum Kanban Agile Figma Postman Swagger OpenAPI Protobuf Avro Parquet
    Arrow ORC Iceberg Delta Hudi Lakehouse Kubeflow MLflow Ray Dask Celery Sidekiq Resque Nginx Webpack Vite
    Babel ESLint Prettier Jest Pytest JUnit Mockito Selenium Playwright Cypress Gradle Maven Bazel CMake Make
    npm pip Poetry Conda Cargo Tokio Actix Axum Gin Echo Fiber Netty Vert.x Akka Kubectl Minikube Kind Openshift
    Rancher Nomad Mesos Borg Spanner Bigtable Chubby Dremel Colossus F1 Aurora Cosmos CosmosDB Firestore Firebase
    Supabase Neo4j JanusGraph TigerGraph InfluxDB TimescaleDB Prometheus Thanos Cortex Mimir Loki Tempo Vector
    Fluentd Fluent Bit Filebeat Zabbix Nagios Icinga SonarQube Snyk Dependabot Renovate OWASP XSS CSRF SSRF SQLi
    Kubebuilder Operator Operators Kustomize Crossplane Karpenter Keda Knative Tekton Spinnaker
    """.split()
)
_METRIC_OR_VERSION = re.compile(
    r"^(?:p\d{1,3}(?:\.\d+)?|g1|v\d+(?:\.\d+)*|\d+(?:\.\d+)?(?:ms|us|µs|ns|s|k|m|gb|mb|kb|tb|rps|qps|%)|"
    r"http/\d(?:\.\d)?|o\(.*\)|[a-z]+\d+[a-z]*\d*)$",
    re.IGNORECASE,
)
_TOKEN = re.compile(r"[A-Za-z0-9+#./*()\-]+")


def is_technical_token(token: str) -> bool:
    t = token.strip(".,;:!?()'\"").lower()
    return bool(t) and (t in TECH_TERMS or bool(_METRIC_OR_VERSION.match(t)))


def is_technical(value: str) -> bool:
    """True when any token of `value` is technical vocabulary (so the span is not a person or place)."""
    return any(is_technical_token(tok) for tok in _TOKEN.findall(value))
