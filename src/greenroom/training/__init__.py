"""Models that improve safely: training data, LoRA fine-tuning, guard training, evaluation, registry.

Public entry points (stable names; the federated package builds on them):

- `training.guard_train.train_guard_head(embedder, ...)` -> `GuardTrainResult`: the question guard's classifier.
- `training.data.build_datasets(out_dir, ...)` -> `DataCard`: chat-format datasets (HF `datasets`, on disk).
- `training.lora.train_lora(model_path, data_dir, out_dir, ...)` -> `LoraResult`: a LoRA adapter (transformers + peft).

Heavy libraries (scikit-learn, datasets, transformers, peft) load inside the functions that need them.
This package may import `llm`, `interview` and `ethics` (tests/test_architecture.py); the CLI passes in
anything from `storage` or `privacy`.
"""
