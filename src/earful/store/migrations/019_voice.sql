-- Call recordings (earful.voice): how each recording was heard, its timed words and turns, the
-- redacted copy of its audio, and the speech analytics of the call. Keyed by interaction id.

-- One row per recording that became an interaction.
CREATE TABLE voice_recordings (
    interaction_id       VARCHAR PRIMARY KEY,
    import_id            BIGINT,
    file                 VARCHAR NOT NULL,   -- the original recording, as ingested (absolute path)
    sha256               VARCHAR NOT NULL,
    container            VARCHAR,            -- wav, mp3, flac, ogg …
    sample_rate_hz       INTEGER,
    channels             INTEGER,
    duration_s           DOUBLE,
    speakers_by          VARCHAR CHECK (speakers_by IN ('channel', 'diarisation', 'none')),
    model                VARCHAR,            -- the speech model that transcribed it
    language             VARCHAR,            -- detected language (ISO 639-1)
    language_probability DOUBLE,
    language_ok          BOOLEAN,            -- the detected language is the one expected
    transcribe_cpu_s     DOUBLE,             -- CPU seconds spent transcribing
    transcribed_at       TIMESTAMP NOT NULL DEFAULT current_timestamp
);

-- Speaker turns with their times in the recording (turns.seq = seq where speakers are known).
CREATE TABLE voice_turns (
    interaction_id VARCHAR NOT NULL,
    seq            INTEGER NOT NULL,
    speaker        VARCHAR NOT NULL CHECK (speaker IN ('agent', 'customer', 'unknown')),
    start_s        DOUBLE NOT NULL,
    end_s          DOUBLE NOT NULL,
    text           VARCHAR,            -- as transcribed (spoken numbers written as digits)
    redacted_text  VARCHAR,            -- personal data replaced by [TYPE]
    PRIMARY KEY (interaction_id, seq)
);

-- Every word with its time: the reader's follow-along transcript and the audio redaction.
CREATE TABLE voice_words (
    interaction_id VARCHAR NOT NULL,
    seq            INTEGER NOT NULL,   -- the turn
    word_no        INTEGER NOT NULL,   -- position in the turn
    start_s        DOUBLE NOT NULL,
    end_s          DOUBLE NOT NULL,
    word           VARCHAR NOT NULL,
    probability    DOUBLE,
    pii_type       VARCHAR,            -- CARD, PHONE, NAME … when the word is personal data (silenced in the audio)
    PRIMARY KEY (interaction_id, seq, word_no)
);

-- The redacted recording (personal data beeped out): what every role but admin/analyst hears.
CREATE TABLE voice_audio (
    interaction_id  VARCHAR PRIMARY KEY,
    mime            VARCHAR NOT NULL,
    audio           BLOB NOT NULL,
    redacted_spans  INTEGER NOT NULL,  -- how many stretches were beeped
    redacted_s      DOUBLE NOT NULL    -- seconds beeped in all
);

-- Speech analytics, one row per call (docs/voice.md defines each column). Seconds are of the
-- recording; shares are fractions of its duration; NULL where the layout cannot tell (e.g.
-- over-talk on a mono recording).
CREATE TABLE speech_metrics (
    interaction_id        VARCHAR PRIMARY KEY,
    duration_s            DOUBLE NOT NULL,
    agent_talk_s          DOUBLE,
    customer_talk_s       DOUBLE,
    unknown_talk_s        DOUBLE,   -- speech not attributed to a party (mono without diarisation)
    agent_talk_share      DOUBLE,   -- agent talk / (agent + customer talk): the talk ratio
    silence_s             DOUBLE,   -- nobody speaking, hold excluded
    silence_share         DOUBLE,   -- silence_s / duration_s
    longest_silence_s     DOUBLE,
    dead_air_s            DOUBLE,   -- silences of at least dead_air_min_s, hold excluded
    dead_air_count        INTEGER,
    dead_air_share        DOUBLE,   -- dead_air_s / duration_s
    overtalk_s            DOUBLE,   -- both parties speaking at once
    overtalk_count        INTEGER,
    hold_s                DOUBLE,   -- silences of at least hold_min_s
    hold_count            INTEGER,
    hold_segments         JSON,     -- [[start_s, end_s], …]
    agent_words_per_min   DOUBLE,   -- words / minutes of the party's own speech
    customer_words_per_min DOUBLE,
    dead_air_min_s        DOUBLE NOT NULL,  -- the thresholds these figures used
    hold_min_s            DOUBLE NOT NULL
);
