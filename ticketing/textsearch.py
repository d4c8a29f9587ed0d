"""Chinese full-text search shared by tickets and the knowledge base.

Chinese has no spaces, so text is segmented with jieba and the words are stored space separated in a
`search_tokens` column. Migration 0002 indexes that column: FTS5 external-content tables kept in sync by
triggers on SQLite, GIN indexes on ``to_tsvector('simple', search_tokens)`` on PostgreSQL. Queries are
segmented the same way; every term goes into the database as a bound value (quoted for FTS5, through
``plainto_tsquery`` for PostgreSQL), so user input can never break the query syntax.
"""

from __future__ import annotations

import logging
import statistics
import threading
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

import jieba
from sqlalchemy import Float, Select, bindparam, false, func, literal_column, select
from sqlalchemy import table as sql_table
from sqlalchemy.sql.elements import ColumnElement

jieba.setLogLevel(logging.WARNING)

Mode = Literal["all", "any"]

WORDS_FILE = Path(__file__).with_name("hotline_words.txt")
IDF_FILE = Path(jieba.__file__).parent / "analyse" / "idf.txt"  # shipped with jieba

# Tables that carry a `search_tokens` column indexed by migration 0002.
SEARCHABLE_TABLES = frozenset({"tickets", "kb_articles"})

# Function words dropped from queries (not from the index, so a query of only these can still match).
STOP_WORDS = frozenset(
    """
    的 了 吗 呢 吧 啊 呀 嘛 么 哦 哈 着 过 地 得 之 其 而 并 及 与 和 或 跟 同
    我 你 您 他 她 它 我们 你们 他们 她们 咱们 自己 大家 本人 人家
    是 在 有 没 没有 有没有 不 也 都 就 还 又 再 才 很 太 更 最 已经 一直
    把 被 给 让 对 从 到 向 往 为 为了 因为 所以 如果 但是 可是 然后 那么
    这 那 这个 那个 这些 那些 这里 那里 这边 那边 这样 那样 哪 哪里 哪儿 哪个 哪些
    怎么 怎么办 怎样 怎么样 如何 什么 为什么 为何 多少 几 多久 啥 咋 咋办
    请 请问 问 问下 问一下 想 想问 想要 要 需要 能 能否 能不能 可以 可不可以 是否 应该 该 会
    一下 一个 一些 有点 有些 个 些 下 上 中 里
    您好 你好 喂 谢谢 麻烦 那个 就是 然后 现在 最近 今天 昨天 前天 明天 每天 早上 晚上 上午 下午 下去
    a an the of to is are was be and or in on at for by with it this that
    """.split()  # noqa: SIM905 - a word list reads better as text
)

# jieba frequency of hotline words listed without one: high enough that 路灯不亮 splits as 路灯/不亮.
DEFAULT_WORD_FREQ = 5000


def hotline_words() -> dict[str, int]:
    """The extra vocabulary in ``hotline_words.txt``: word -> jieba frequency.

    One word per line, optionally followed by its own frequency; '#' starts a comment.
    """
    words: dict[str, int] = {}
    for line in WORDS_FILE.read_text(encoding="utf-8").splitlines():
        fields = line.split("#", 1)[0].split()
        if fields:
            words[fields[0]] = int(fields[1]) if len(fields) > 1 else DEFAULT_WORD_FREQ
    return words


_HOTLINE_WORDS = hotline_words()  # read at import; added to jieba when its dictionary is loaded
_HOTLINE_SET = frozenset(w.lower() for w in _HOTLINE_WORDS)
_lock = threading.RLock()
_tokenizer: jieba.Tokenizer | None = None


def tokenizer() -> jieba.Tokenizer:
    """The process's jieba tokenizer: the dictionary is loaded once, on first use, quietly."""
    global _tokenizer
    if _tokenizer is None:
        with _lock:
            if _tokenizer is None:
                tk = jieba.Tokenizer()
                tk.initialize()
                for word, freq in _HOTLINE_WORDS.items():
                    tk.add_word(word, max(freq, tk.FREQ.get(word) or 0))
                _tokenizer = tk
    return _tokenizer


def warm_up() -> None:
    """Load the dictionary and word weights now (call at API/worker start; no request pays the ~2 s)."""
    tokenizer()
    _idf()


def _normalise(text: str) -> str:
    # NFKC folds full-width letters, digits and punctuation (ＡＢＣ１２３，) into their ASCII forms.
    return unicodedata.normalize("NFKC", text).lower()


def _is_word(token: str) -> bool:
    return any(ch.isalnum() for ch in token)


def tokens(text: str) -> list[str]:
    """Search words of `text` in order of appearance: lowercased, punctuation dropped, deduplicated."""
    if not text or not text.strip():
        return []
    seen: dict[str, None] = {}
    for token in tokenizer().cut_for_search(_normalise(text)):
        token = token.strip()
        if token and _is_word(token) and token not in seen:
            seen[token] = None
    return list(seen)


def segment(text: str) -> str:
    """Space-joined search tokens of `text`, the value stored in a `search_tokens` column."""
    return " ".join(tokens(text))


def segment_parts(*parts: str | None) -> str:
    """`segment` of several fields at once (e.g. a ticket's title and content); None parts are skipped."""
    return segment("\n".join(p for p in parts if p))


def query_terms(text: str, *, max_terms: int = 16) -> list[str]:
    """Terms of a user query: stop words dropped, single characters dropped when longer words remain.

    If everything is a stop word the words are kept, so a query returns something when it can.
    """
    words = tokens(text)
    content = [w for w in words if w not in STOP_WORDS] or words
    longer = [w for w in content if len(w) > 1]
    return (longer or content)[:max_terms]


def top_terms(text: str, *, limit: int) -> list[str]:
    """The `limit` most telling words of a long text (by tf-idf), in the order they appear.

    Candidates are whole words (jieba's accurate mode), so "占道经营" is kept but not its fragment "道经";
    the index holds the whole words too because `cut_for_search` emits them alongside the fragments.
    """
    counts: dict[str, int] = {}
    for token in tokenizer().cut(_normalise(text)):
        token = token.strip()
        if token and _is_word(token):
            counts[token] = counts.get(token, 0) + 1
    words = list(counts)
    content = [w for w in words if w not in STOP_WORDS] or words
    terms = [w for w in content if len(w) > 1] or content
    if len(terms) <= limit:
        return terms
    idf, rare = _idf()
    score = {t: counts[t] * (rare if t in _HOTLINE_SET else idf.get(t, rare)) for t in terms}
    best = set(sorted(terms, key=lambda t: (-score[t], terms.index(t)))[:limit])
    return [t for t in terms if t in best]


_idf_table: tuple[dict[str, float], float] | None = None


def _idf() -> tuple[dict[str, float], float]:
    """jieba's inverse document frequencies of common words, and the value used for all rarer words.

    Only the commoner half is kept (~17 MB instead of 35): rarer words all count as equally telling.
    """
    global _idf_table
    if _idf_table is None:
        with _lock:
            if _idf_table is None:
                values: dict[str, float] = {}
                with IDF_FILE.open(encoding="utf-8") as lines:
                    for line in lines:
                        word, _, value = line.rstrip().partition(" ")
                        values[word] = float(value)
                rare = statistics.median(values.values())
                _idf_table = ({w: v for w, v in values.items() if v < rare}, rare)
    return _idf_table


# --- SQL ---------------------------------------------------------------------------------------


def _terms(query: str | Sequence[str]) -> list[str]:
    if isinstance(query, str):
        return query_terms(query)
    return [t for t in query if t and _is_word(t)]


def fts_match_expression(terms: Sequence[str], mode: Mode = "all") -> str:
    """An FTS5 MATCH string in which every term is a quoted string (quotes doubled), never syntax."""
    quoted = ['"' + term.replace('"', '""') + '"' for term in terms]
    return (" " if mode == "all" else " OR ").join(quoted)


def _fts_name(table_name: str) -> str:
    if table_name not in SEARCHABLE_TABLES:
        raise ValueError(f"table {table_name!r} has no full-text index")
    return f"{table_name}_fts"


def _column(id_column):
    return getattr(id_column, "expression", id_column)


def _pg_vector(id_column) -> ColumnElement:
    tokens_column = _column(id_column).table.c.search_tokens
    # Must stay textually the same as the expression the GIN indexes of migration 0002 were built on.
    return func.to_tsvector(literal_column("'simple'::regconfig"), tokens_column)


def _pg_query(terms: Sequence[str], mode: Mode) -> ColumnElement:
    parts = [func.plainto_tsquery(literal_column("'simple'::regconfig"), bindparam(None, t)) for t in terms]
    combined = parts[0]
    for part in parts[1:]:
        combined = combined.op("&&" if mode == "all" else "||")(part)
    return combined


def _sqlite_matches(table_name: str, terms: Sequence[str], mode: Mode, *, scored: bool) -> Select:
    fts = _fts_name(table_name)
    columns = [literal_column("rowid").label("id")]
    if scored:
        columns.append((-func.bm25(literal_column(fts))).label("score"))
    match = literal_column(fts).op("MATCH")(bindparam(None, fts_match_expression(terms, mode)))
    return select(*columns).select_from(sql_table(fts)).where(match)


def text_filter(stmt: Select, *, table: str, id_column, query: str | Sequence[str], dialect_name: str,
                mode: Mode = "all") -> Select:
    """Restrict a select of `table` rows to those matching `query` (all terms, or any with mode="any").

    `query` is user text (segmented with `query_terms`) or a list of ready terms. A query without any
    word matches nothing.
    """
    terms = _terms(query)
    _fts_name(table)
    if not terms:
        return stmt.where(false())
    if dialect_name == "postgresql":
        return stmt.where(_pg_vector(id_column).op("@@")(_pg_query(terms, mode)))
    if dialect_name == "sqlite":
        return stmt.where(_column(id_column).in_(_sqlite_matches(table, terms, mode, scored=False)))
    raise ValueError(f"full-text search is not supported on {dialect_name}")


def ranked_search(stmt: Select, *, table: str, id_column, query: str | Sequence[str], dialect_name: str,
                  mode: Mode = "all") -> Select:
    """Like `text_filter`, and also add a `score` column (higher is better) and order by it, best first.

    SQLite scores with bm25 (negated), PostgreSQL with ts_rank; ties go to the newest id. On PostgreSQL
    ts_rank re-parses every matching row's tokens (~35 µs a row), so on the big tickets table prefer
    `text_filter` with a cheap order (newest first) unless the query is selective; see bench/search.py.
    """
    terms = _terms(query)
    _fts_name(table)
    if not terms:
        return stmt.add_columns(literal_column("0.0", Float).label("score")).where(false())
    column = _column(id_column)
    if dialect_name == "postgresql":
        tsquery = _pg_query(terms, mode)
        vector = _pg_vector(id_column)
        score = func.ts_rank(vector, tsquery, type_=Float).label("score")
        return stmt.add_columns(score).where(vector.op("@@")(tsquery)).order_by(score.desc(), column.desc())
    if dialect_name == "sqlite":
        matches = _sqlite_matches(table, terms, mode, scored=True).subquery()
        score = matches.c.score
        return (stmt.add_columns(score.label("score")).join(matches, matches.c.id == column)
                .order_by(score.desc(), column.desc()))
    raise ValueError(f"full-text search is not supported on {dialect_name}")
