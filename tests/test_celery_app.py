"""Celery application wiring: delivery guarantees, per-scheme broker options, beat, worker context."""

from __future__ import annotations

import multiprocessing
import subprocess
import sys
import textwrap
import warnings

import pytest
from kombu import Connection
from kombu.transport import TRANSPORT_ALIASES

from hotline import context as context_module
from hotline.broker import SCHEME
from hotline.context import AppContext, worker_context
from hotline.errors import ConfigurationError
from tests.runtime_support import runtime_env, runtime_settings, start_worker, stop_group, wait_until
from tests.runtime_tasks import read_lines
from wiring import celery_app
from wiring.celery_app import TASK_MODULES, make_celery, transport_options


def test_embedded_broker_is_the_default_and_its_scheme_is_registered(settings, tmp_path):
    s = settings.model_copy(update={"broker_url": None, "data_dir": tmp_path / "d"})
    app = make_celery(s)
    assert app.conf.broker_url == f"{SCHEME}:///{(tmp_path / 'd').resolve() / 'broker.db'}"
    assert TRANSPORT_ALIASES[SCHEME] == "hotline.broker:Transport"
    assert app.conf.broker_transport_options == {
        "polling_interval": s.broker_polling_interval,
        "visibility_timeout": s.broker_visibility_timeout,
    }


def test_delivery_guarantees(settings):
    conf = make_celery(settings).conf
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.worker_prefetch_multiplier == 1
    assert conf.task_ignore_result is True
    assert conf.task_default_queue == settings.celery_queue
    assert conf.worker_concurrency == settings.worker_concurrency


def test_timezone_and_beat_follow_settings(settings):
    s = settings.model_copy(update={"timezone": "Asia/Urumqi", "sweep_interval_seconds": 17.5})
    conf = make_celery(s).conf
    assert conf.timezone == "Asia/Urumqi"
    assert conf.beat_schedule["sweep-lights"] == {"task": "ticketing.sweep_lights", "schedule": 17.5}
    assert conf.beat_schedule_filename == str(s.data_dir.resolve() / "celerybeat-schedule")


def test_transport_options_per_scheme(settings):
    s = settings.model_copy(update={"broker_visibility_timeout": 120, "broker_polling_interval": 0.5})
    redis = transport_options(s, "redis://localhost:6379/0")
    assert redis["visibility_timeout"] == 120
    assert redis["unacked_restore_throttle"] == 1 and 1 <= redis["unacked_restore_interval"] <= 30
    # The stock SQLAlchemy transport hands every option to create_engine(): it must get none.
    assert transport_options(s, "sqla+sqlite:///x.db") == {}
    assert transport_options(s, "amqp://guest@localhost//") == {}
    assert transport_options(s, f"{SCHEME}:///x.db") == {"polling_interval": 0.5, "visibility_timeout": 120}


def test_task_modules_include_the_domain_list_and_configured_extras(settings):
    assert "ticketing.tasks" in TASK_MODULES
    s = settings.model_copy(update={"celery_extra_task_modules": ["tests.runtime_tasks", "ticketing.tasks"]})
    assert list(make_celery(s).conf.include) == [*TASK_MODULES, "tests.runtime_tasks"]


def test_module_app_registers_the_sweep_task():
    celery_app.celery.loader.import_default_modules()
    assert "ticketing.sweep_lights" in celery_app.celery.tasks


def test_stock_transport_options_do_not_reach_create_engine(tmp_path):
    """polling_interval as a transport option crashes the stock transport; ours accepts it."""
    with Connection(f"{SCHEME}:///{tmp_path / 'b.db'}",
                    transport_options={"polling_interval": 0.05, "visibility_timeout": 30}) as conn:
        q = conn.SimpleQueue("q")
        q.put({"ok": True})
        assert q.get(timeout=5).payload == {"ok": True}
        q.close()


def test_transport_raises_no_deprecation_warning(tmp_path):
    from sqlalchemy.orm import configure_mappers

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with Connection(f"{SCHEME}:///{tmp_path / 'b.db'}") as conn:
            q = conn.SimpleQueue("q")
            q.put({"n": 1})
            q.get(timeout=5).ack()
            q.close()
        configure_mappers()


def test_enqueue_from_a_context_lands_on_the_configured_broker(settings, tmp_path, monkeypatch):
    """AppContext.enqueue sends by task name through the module app (the path flows use)."""
    s = settings.model_copy(update={"broker_url": None, "data_dir": tmp_path / "d", "celery_queue": "ctx-test"})
    monkeypatch.setattr(celery_app, "celery", make_celery(s))
    context = AppContext.from_settings(s)
    try:
        context.enqueue("ticketing.sweep_lights")
        with Connection(s.resolved_broker_url) as conn:
            q = conn.SimpleQueue("ctx-test")
            message = q.get(timeout=5)
            assert message.headers["task"] == "ticketing.sweep_lights"
            message.ack()
            q.close()
    finally:
        celery_app.celery.close()
        context.engine.dispose()


def _child_context_id(queue) -> None:
    context = worker_context()
    queue.put((id(context), id(worker_context()), str(context.engine.url)))


def test_worker_context_is_one_per_process_and_rebuilt_after_fork(monkeypatch, settings):
    monkeypatch.setattr(context_module, "get_settings", lambda: settings)
    monkeypatch.setattr(context_module, "_context", None)
    parent = worker_context()
    assert worker_context() is parent
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    child = ctx.Process(target=_child_context_id, args=(queue,))
    child.start()
    first, second, url = queue.get(timeout=30)
    child.join(timeout=30)
    assert child.exitcode == 0
    assert first == second  # cached inside the child
    assert first != id(parent)  # but not the parent's (engines must not cross a fork)
    assert url == str(parent.engine.url)
    parent.engine.dispose()


def test_a_context_without_the_wiring_refuses_to_enqueue_instead_of_dropping(settings, monkeypatch):
    monkeypatch.setattr(context_module, "_sender", None)
    context = AppContext.from_settings(settings)
    try:
        with pytest.raises(ConfigurationError, match="no task queue"):
            context.enqueue("ticketing.sweep_lights")
    finally:
        context.engine.dispose()


def test_domain_tasks_do_not_import_the_celery_app():
    """Domains declare shared tasks; only the wiring knows the app (the import-graph test checks the rest)."""
    import ast
    from pathlib import Path

    for module in TASK_MODULES:
        tree = ast.parse(Path(module.replace(".", "/") + ".py").read_text())
        imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
        assert "wiring.celery_app" not in imported and "celery" in imported, module


# A producer process of each kind: the API app's context, a command-line context, and (through the relay
# task) the worker's own context. Each enqueues by name only, through hotline.context.
PRODUCER = textwrap.dedent("""
    import sys
    kind = sys.argv[1]
    if kind == "api":
        from wiring.app import create_app
        context = create_app().state.context
        context.enqueue("hotline_test.record", "api")
        context.enqueue("hotline_test.relay", "worker")
    else:
        import wiring.cli  # noqa: F401 - what `hotline ...` imports first
        from hotline.context import AppContext
        AppContext.from_settings(__import__("hotline.settings").settings.get_settings()).enqueue(
            "hotline_test.record", "cli")
""")


def test_enqueue_from_api_cli_and_worker_processes_reaches_a_worker(settings, tmp_path):
    s = runtime_settings(settings)
    env = runtime_env(s, tmp_path)
    worker = start_worker(env, tmp_path / "w.log", "enqueue")
    try:
        for kind in ("api", "cli"):
            subprocess.run([sys.executable, "-c", PRODUCER, kind], env=env, cwd=tmp_path, check=True, timeout=120)
        assert wait_until(lambda: len(read_lines(tmp_path, "runs.log")) >= 3, timeout=120)
    finally:
        stop_group(worker)
    assert sorted(read_lines(tmp_path, "runs.log")) == ["api", "cli", "worker"]
