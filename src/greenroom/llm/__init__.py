"""Language models: one `ChatModel` protocol, back-ends registered by name, presets and the model store."""
