"""The one typed settings object. Every field is documented in the README (tests check that)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from hotline.settings_phone import PhoneSettings


class Settings(PhoneSettings, BaseSettings):
    """Read from environment variables prefixed ``HOTLINE_`` (and an optional ``.env`` file). The phone side's
    fields (telephony, abuse, ACD, calls, return visits, IVR, speech recognition) are declared in
    hotline/settings_phone.py."""

    model_config = SettingsConfigDict(env_prefix="HOTLINE_", env_file=".env", extra="ignore")

    # --- where things live -------------------------------------------------
    data_dir: Path = Field(Path("var"), description="Directory for the SQLite database, broker and beat files.")
    database_url: str | None = Field(None, description="SQLAlchemy URL; default SQLite file in data_dir.")
    broker_url: str | None = Field(None, description="Celery broker URL; default embedded SQLite broker.")
    database_connect_timeout: float = Field(
        5.0, gt=0, description="PostgreSQL: seconds to wait for a connection before the request fails with 503."
    )
    database_pool_timeout: float = Field(
        10.0, gt=0, description="Seconds a request waits for a free pooled connection before it fails with 503."
    )
    timezone: str = Field("Asia/Shanghai", description="Local time zone for deadlines and working days.")
    locality: str = Field(
        "default", description="Which deadline rule set applies: default, dongli, laishan, chongming, xiangtan, zhoucun "
        "or a name of your own (rules edited in the console)."
    )

    # --- API ---------------------------------------------------------------
    api_host: str = Field("127.0.0.1", description="Address the API binds to.")
    api_port: int = Field(8000, description="Port the API binds to.")
    token_ttl_hours: int = Field(12, ge=1, description="Lifetime of an API bearer token.")
    page_size_max: int = Field(200, ge=1, description="Largest page a list endpoint returns.")
    login_max_failures: int = Field(
        10, ge=1, description="Failed logins from one client address within login_lockout_minutes that lock out "
        "that address (429); the account itself stays usable from elsewhere."
    )
    login_lockout_minutes: int = Field(
        15, ge=1, description="Window in which failed logins are counted; a lock lasts until its failures age out of it."
    )
    login_delay_after: int = Field(
        3, ge=0, description="Failed logins (of the address or the username) after which each answer is delayed."
    )
    login_delay_max_seconds: float = Field(
        2.0, ge=0, description="Longest delay of a failed login answer (doubles from 0.25 s after login_delay_after)."
    )
    login_account_max_failures: int = Field(
        50, ge=1, description="Failed logins on one username within the window that lock the account "
        "(only when they come from at least login_account_min_addresses addresses)."
    )
    login_account_min_addresses: int = Field(
        3, ge=1, description="Different client addresses the failures must come from to lock an account."
    )
    login_known_address_days: int = Field(
        90, ge=0, description="A locked account still accepts its correct password from an address that logged "
        "in to it successfully within this many days."
    )
    password_min_length: int = Field(8, ge=1, description="Shortest password a user may set.")
    roles_seeing_caller: list[str] = Field(
        ["agent", "supervisor", "admin"], description="Roles that see caller numbers unmasked."
    )

    # --- input limits --------------------------------------------------------
    http_max_body_bytes: int = Field(
        1_048_576, ge=1024, description="Largest request body accepted (larger: 413, refused before it is parsed)."
    )
    http_max_json_depth: int = Field(32, ge=2, description="Deepest JSON nesting accepted in a request body (deeper: 422).")
    rate_limit_per_minute: float = Field(
        60.0, ge=0, description="Anonymous routes (rate_limited_paths): requests a minute per client address "
        "and route (in-process token bucket; 0 = no limit)."
    )
    rate_limit_burst: int = Field(30, ge=1, description="Anonymous routes: requests one address may send at once.")
    rate_limited_paths: list[str] = Field(
        ["/open311/", "/api/v1/auth/token", "/console/login"],
        description="Path prefixes rate-limited per client address (each prefix its own bucket).",
    )
    console_csp: str = Field(
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; media-src 'self'; "
        "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
        description="Content-Security-Policy of the console (X-Frame-Options DENY is sent too).",
    )
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
    yellow_hours: int = Field(
        24, ge=1, description="A limit turns yellow at most this many hours before it is due (cap of the yellow window)."
    )
    yellow_share: float = Field(
        0.5, gt=0, lt=1, description="Yellow window as a share of the limit (due − acceptance), capped by yellow_hours: "
        "no case is born yellow."
    )
    channel_localities: dict[str, str] = Field(
        {}, description="Rule set per intake channel, e.g. {\"review\": \"xiangtan\"}; other channels use locality."
    )
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
        [], description="API keys accepted on Open311 POST requests (posting needs one unless open311_open_posting)."
    )
    open311_open_posting: bool = Field(
        False, description="Open311 POST requests without an api_key are accepted (an explicit decision to open it)."
    )
    public_token_secret: str | None = Field(
        None, description="Key of the Open311 follow-up tokens; empty = a random key kept in data_dir/public_token.key."
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

    # --- accountability reports (issue 15) -------------------------------------------
    report_flag_bottom: int = Field(2, ge=0, description="周汇总: this many lowest-ranked departments are flagged 约谈.")
    report_rank_weights: dict[str, float] = Field(
        {"response_rate": 1.0, "resolution_rate": 1.0, "satisfaction_rate": 1.0, "on_time_rate": 1.0},
        description="Ranking score: weights of the department rates (a missing rate is left out of the mean).",
    )
    report_satisfaction_floor: float = Field(
        90.0, ge=0, le=100, description="月总结: a department's 满意率 below this percent is flagged (约谈 by its head)."
    )
    report_list_limit: int = Field(1000, ge=1, description="Most rows of a list table (overdue, repeats) in a bulletin.")
    report_schedule_hour: int = Field(6, ge=0, le=23, description="Local hour scheduled reports are made after.")
    report_formats: list[str] = Field(["xlsx", "pdf"], description="Formats the schedule makes of each report.")
    report_sweep_seconds: float = Field(300.0, gt=0, description="How often beat sweeps report and warning due-rows.")
    report_lease_seconds: int = Field(900, ge=10, description="Lease a sweep holds on a due report row.")
    ledger_page_size: int = Field(50, ge=1, description="Rows per page of the 诉求台账 ledger in the console.")
    warning_window_hours: int = Field(24, ge=1, description="Early warning: length of the rolling count window.")
    warning_step_minutes: int = Field(60, ge=1, description="Early warning: how often the window moves on.")
    warning_baseline_weeks: int = Field(4, ge=1, description="Early warning: same-weekday/hour windows of this many past weeks form the baseline.")
    warning_p_value: float = Field(0.001, gt=0, lt=1, description="Early warning: Poisson tail probability below which a count is a spike.")
    warning_min_cases: int = Field(5, ge=1, description="Early warning: fewest cases of one matter in one area that can be a spike.")
    warning_group_callers: int = Field(5, ge=2, description="群体性: distinct callers on one matter at one address within the window.")
    warning_units: list[str] = Field(["信访局", "公安局"], description="Units a warning can be handed to, besides the streets.")

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
    # --- 受理 form (agent_console.views_intake) -------------------------------------
    console_kb_min_terms: int = Field(
        2, ge=1, description="受理 form: words of the content a KB answer must share before it is offered."
    )
    console_kb_min_share: float = Field(
        0.3, gt=0, le=1, description="受理 form: share of the content's key words a KB answer must share."
    )
    console_claim_minutes: int = Field(
        15, ge=1, description="Console: how long an agent's claim (认领) on a case lasts unless renewed or released."
    )
    console_suggest_min_chars: int = Field(
        4, ge=1, description="受理 form: content shorter than this gets no triage suggestions yet."
    )
    recording_listen_window_seconds: float = Field(
        30.0, ge=0, description="Repeated plays of a recording by the same user within this window are audited once."
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
