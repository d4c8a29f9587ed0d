"""Segmentation, query building and the full-text indexes of migration 0002, on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import create_engine, delete, inspect, select, text, update

from hotline.database import alembic_config, make_engine, upgrade, utcnow
from ticketing.models import Ticket
from ticketing.textsearch import (
    fts_match_expression,
    query_terms,
    ranked_search,
    segment,
    segment_parts,
    text_filter,
    tokenizer,
    top_terms,
    warm_up,
)

NASTY_QUERIES = ['"', '""', '*', '社保*', 'NEAR(a b)', 'NEAR', '-', '-噪音', '(', ')', '()', '(占道', "'",
                 'a" OR "b', 'AND OR NOT', '^', ':', 'search_tokens:占道', '', '   ', '，。！？', '😀',
                 "'; DROP TABLE tickets; --", '\\', '&|!<->']


# --- segmentation ---------------------------------------------------------------------------------


def test_segment_lowercases_drops_punctuation_and_dedupes():
    tokens = segment("路灯坏了！路灯不亮，ABC 全角ＸＹＺ１２３。").split(" ")
    assert "路灯" in tokens and "abc" in tokens and "xyz123" in tokens
    assert tokens.count("路灯") == 1
    assert not {"！", "，", "。", ""} & set(tokens)
    assert segment("") == "" and segment("  ，。 ") == ""


def test_hotline_vocabulary_keeps_phrases_whole():
    for phrase in ("占道经营", "噪音扰民", "拖欠工资", "物业费", "社保卡"):
        assert phrase in segment(f"市民反映{phrase}的问题").split(" ")


def test_tokenizer_is_loaded_once():
    warm_up()
    assert tokenizer() is tokenizer()


def test_segment_parts_skips_missing_fields():
    assert segment_parts("路灯", None, "不亮") == segment("路灯\n不亮")


def test_query_terms_drop_stop_words_and_single_characters():
    assert query_terms("社保卡丢了怎么补办") == ["社保", "社保卡", "补办"]
    assert query_terms("请问怎么办理居住证？") == ["办理", "居住", "居住证"]
    # Only stop words: keep something rather than nothing.
    assert query_terms("怎么了") == ["怎么"]
    assert query_terms("，。！") == []
    assert len(query_terms("路灯 井盖 物业 社保 医保 公积金", max_terms=3)) == 3


def test_top_terms_prefer_specific_words_in_text_order():
    text = "您好，我们小区门口每天晚上都有人占道经营，噪音扰民很严重，占道经营的摊位很多"
    assert top_terms(text, limit=2) == ["占道经营", "噪音扰民"]
    assert top_terms("我的社保卡昨天丢了，想问一下去哪里补办", limit=2) == ["社保卡", "补办"]
    assert top_terms("路灯坏了", limit=5) == ["路灯"]
    assert top_terms("，。", limit=5) == []


def test_fts_match_expression_quotes_every_term():
    assert fts_match_expression(["社保", 'a"b']) == '"社保" "a""b"'
    assert fts_match_expression(["x", "y"], mode="any") == '"x" OR "y"'


# --- the ticket index -----------------------------------------------------------------------------


def _ticket(session, n: int, title: str, content: str) -> Ticket:
    now = utcnow()
    ticket = Ticket(number=f"T{n:06d}", channel="phone", ticket_type="complaint", title=title, content=content,
                    urgency="normal", status="registered", accepted_at=now, due_at=now + timedelta(days=3),
                    search_tokens=segment_parts(title, content))
    session.add(ticket)
    session.flush()
    return ticket


@pytest.fixture
def tickets(session):
    rows = {
        "street": _ticket(session, 1, "占道经营", "幸福路菜市场门口有流动摊贩占道经营，影响通行"),
        "noise": _ticket(session, 2, "噪音扰民", "工地夜间施工噪音扰民，晚上十二点还在施工"),
        "wages": _ticket(session, 3, "拖欠工资", "公司拖欠工资三个月，老板联系不上"),
        "mixed": _ticket(session, 4, "占道经营噪音", "夜市占道经营，音响噪音很大"),
    }
    session.commit()
    return rows


def _ids(session, query, mode="all"):
    stmt = text_filter(select(Ticket.id), table="tickets", id_column=Ticket.id, query=query,
                       dialect_name=session.get_bind().dialect.name, mode=mode)
    return set(session.scalars(stmt))


def test_text_filter_matches_all_terms(session, tickets):
    assert _ids(session, "占道经营") == {tickets["street"].id, tickets["mixed"].id}
    assert _ids(session, "公司拖欠工资") == {tickets["wages"].id}
    assert _ids(session, "夜市占道经营") == {tickets["mixed"].id}
    assert _ids(session, "医保报销") == set()


def test_text_filter_any_mode_and_term_lists(session, tickets):
    assert _ids(session, ["拖欠工资", "夜市"], mode="any") == {tickets["wages"].id, tickets["mixed"].id}
    assert _ids(session, ["拖欠工资", "夜市"], mode="all") == set()


def test_text_filter_combines_with_other_conditions(session, tickets):
    stmt = text_filter(select(Ticket.id).where(Ticket.title == "占道经营"), table="tickets",
                       id_column=Ticket.id, query="占道经营", dialect_name=session.get_bind().dialect.name)
    assert set(session.scalars(stmt)) == {tickets["street"].id}


@pytest.mark.parametrize("query", NASTY_QUERIES)
def test_query_syntax_in_user_input_is_harmless(session, tickets, query):
    for mode in ("all", "any"):
        assert _ids(session, query, mode) <= {t.id for t in tickets.values()}
    assert session.scalar(select(Ticket.id).where(Ticket.id == tickets["wages"].id)) is not None


def test_queries_without_words_match_nothing(session, tickets):
    for query in ("", "   ", "，。！", "*", "()"):
        assert _ids(session, query) == set()


def test_update_reindexes_and_delete_unindexes(session, tickets):
    wages = tickets["wages"]
    wages.search_tokens = segment_parts("路灯不亮", "小区路灯坏了一个月")
    session.commit()
    assert _ids(session, "拖欠工资") == set()
    assert _ids(session, "路灯") == {wages.id}
    # A status-only update leaves the index alone and keeps it right.
    session.execute(update(Ticket).where(Ticket.id == wages.id).values(status="closed", version=Ticket.version + 1))
    session.commit()
    assert _ids(session, "路灯") == {wages.id}
    session.execute(delete(Ticket).where(Ticket.id == tickets["noise"].id))
    session.commit()
    assert _ids(session, "噪音扰民") == set()
    assert _ids(session, "噪音") == {tickets["mixed"].id}


def test_ranked_search_orders_by_relevance(session, tickets):
    stmt = ranked_search(select(Ticket.id), table="tickets", id_column=Ticket.id,
                         query=["占道经营", "噪音", "音响"], dialect_name=session.get_bind().dialect.name,
                         mode="any")
    rows = session.execute(stmt).all()
    assert rows[0].id == tickets["mixed"].id  # has all three words
    assert {r.id for r in rows} == {tickets["mixed"].id, tickets["street"].id, tickets["noise"].id}
    scores = [r.score for r in rows]
    assert scores == sorted(scores, reverse=True) and scores[0] > scores[-1]


def test_unknown_table_is_refused(session):
    with pytest.raises(ValueError):
        text_filter(select(Ticket.id), table="users", id_column=Ticket.id, query="x", dialect_name="sqlite")


def test_search_uses_the_index(session, tickets):
    dialect = session.get_bind().dialect.name
    stmt = text_filter(select(Ticket.id), table="tickets", id_column=Ticket.id, query="占道经营",
                       dialect_name=dialect)
    compiled = stmt.compile(session.get_bind())
    params = compiled.params
    args = tuple(params[name] for name in compiled.positiontup) if compiled.positional else params
    conn = session.connection()
    if dialect == "postgresql":
        conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
        plan = " ".join(r[0] for r in conn.exec_driver_sql("EXPLAIN " + str(compiled), args))
        assert "ix_tickets_search_tsv" in plan
    else:
        plan = " ".join(str(r[-1]) for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + str(compiled), args))
        assert "VIRTUAL TABLE INDEX" in plan and "tickets_fts" in plan
    session.rollback()


# --- migration 0002 -----------------------------------------------------------------------------


def _search_objects(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            if engine.dialect.name == "postgresql":
                found = set(conn.scalars(text("SELECT indexname FROM pg_indexes WHERE indexname LIKE '%search_tsv'")))
            else:
                found = set(conn.scalars(text("SELECT name FROM sqlite_master WHERE name LIKE '%fts%'")))
            found |= {t for t in inspect(conn).get_table_names() if t in ("tickets", "kb_articles")}
            return found
    finally:
        engine.dispose()


def test_migration_0002_upgrades_and_downgrades_on_a_fresh_database(tmp_path):
    from alembic import command

    pg_admin = None
    if os.environ.get("HOTLINE_TEST_BACKEND", "sqlite") == "postgres":
        admin_url = os.environ.get("HOTLINE_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
        name = f"hotline_mig_{uuid.uuid4().hex[:10]}"
        pg_admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with pg_admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = admin_url.rsplit("/", 1)[0] + f"/{name}"
        expected = {"ix_tickets_search_tsv", "ix_kb_articles_search_tsv"}
    else:
        url = f"sqlite:///{tmp_path / 'fresh.db'}"
        expected = {f"{t}_fts{s}" for t in ("tickets", "kb_articles") for s in ("", "_ai", "_ad", "_au")}
    try:
        upgrade(url, "0002")
        assert expected <= _search_objects(url)
        command.downgrade(alembic_config(url), "0001")
        remaining = _search_objects(url)
        assert not expected & remaining and {"tickets", "kb_articles"} <= remaining
        if pg_admin is None:
            assert not {n for n in remaining if "fts" in n}
        upgrade(url, "0002")
        assert expected <= _search_objects(url)
    finally:
        if pg_admin is not None:
            with pg_admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            pg_admin.dispose()
