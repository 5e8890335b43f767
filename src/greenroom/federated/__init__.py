"""Federated learning with Flower: improve shared models from many machines without collecting their data.

A group (a career centre, a bootcamp, friends) runs one `greenroom federated server` (a Flower SuperLink
plus Greenroom's ServerApp) and each member runs `greenroom federated join HOST:PORT` (a SuperNode plus
Greenroom's ClientApp). Each client trains on its own consented, anonymised examples; only parameters and
example counts leave it (`audit.py` records what does). The aggregate becomes a *candidate* in the
training registry and reaches production only through the gate.

Modules: `base` (the task Protocol and registry), `guard_task` (the guard classifier head), `local_data`
(a client's consented examples and their local features), `strategies` (FedAvg, FedProx, client-side DP,
SecAgg+), `client_app` / `server_app` (the Flower apps), `audit` (the outgoing-message record), `deploy`
(certificates, the Flower App folder, SuperLink/SuperNode commands) and `candidates` (the registry hand-off).
Flower itself (`flwr`) is imported only inside these modules, never by `import greenroom`.
"""
