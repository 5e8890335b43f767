"""The stages of a live turn, each small, typed and testable alone with scripted input (as pipecat tests its
frame processors). The `LiveSession` coordinates them:

    mic audio (microphone: checked, queued, batched) -> listening (lead-silence gate, VAD turn detection, incremental ASR) -> TurnEnded
      -> redaction -> reply (interview service; prepared speculatively during a pause) -> speech out
    camera frames -> vision; the turn's audio, transcript and vision -> metrics; the timing observer
    measures every turn; grading runs in the interview service's background grader; saving writes the
    resume state and the turns between turns, and the report at the finish.
"""
