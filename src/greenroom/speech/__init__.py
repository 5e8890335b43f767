"""Speech: transcription (faster-whisper), VAD and turn-taking, the interviewer's voice, delivery metrics.

Importing this package is cheap: every model and heavy library loads lazily inside the back-end that
needs it. Entry points: `asr.create_transcriber`, `turns.TurnDetector`, `listener.Listener`,
`tts.create_synthesizer`, `delivery.analyze_delivery` and `analyze.analyze_audio_file`.
"""
