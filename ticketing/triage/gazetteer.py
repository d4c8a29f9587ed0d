"""The gazetteer as a value: places (district → street → community, roads) and finding them in text.

Pure (stdlib + pypinyin). A place is found by its name, its aliases, its name without the usual suffix
(和平街道 → 和平街 / 和平), and — for forms of three or more characters — by toneless pinyin with the
sound pairs speech recognizers and regional accents mix up (zh/z, ch/c, sh/s, n/l, in/ing, en/eng), so
「和平街到」 or 「解放录」 still find 和平街道 and 解放路."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from pypinyin import lazy_pinyin

KINDS = ("district", "street", "community", "road")
# Suffixes whose removal still names the place; the first match wins (longest first).
_SUFFIXES = {
    "district": ("新区", "区", "县", "市"),
    "street": ("街道办事处", "街道办", "街道", "镇", "乡"),
    "community": ("社区居委会", "居委会", "社区", "村委会"),
    "road": (),
}
_STREET_SHORT = ("街", "街办")  # 和平街道 is also said 和平街 / 和平街办
MIN_STEM = 2  # a stem shorter than this is not a name (东区 → 东 is not)
MIN_PINYIN = 3  # forms shorter than this match by their characters only (two syllables match too much)
# Specificity when a text names several places: the most specific consistent one wins.
RANK = {"community": 4, "street": 3, "road": 2, "district": 1}


@dataclass(frozen=True)
class Place:
    kind: str  # district | street | community | road
    code: str
    name: str
    parent_code: str | None = None
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Hit:
    start: int
    end: int
    places: tuple[Place, ...]  # every place written (or sounding) this way; two districts may share a 长春街道
    exact: bool  # matched by characters (not only by sound)

    @property
    def place(self) -> Place:
        return self.places[0]


@functools.lru_cache(maxsize=20000)
def _syllable(char: str) -> str:
    """Toneless pinyin of one character, folded over the sound pairs recognizers confuse."""
    s = lazy_pinyin(char)[0] if char.strip() else " "
    if not s.isascii() or not s.isalpha():
        return char
    for a, b in (("zh", "z"), ("ch", "c"), ("sh", "s")):
        if s.startswith(a):
            s = b + s[2:]
    if s.startswith("n") and not s.startswith("ng"):
        s = "l" + s[1:]
    if s.endswith("ng") and s[-3:-2] in ("i", "e"):
        s = s[:-1]
    return s


def syllables(text: str) -> list[str]:
    return [_syllable(c) for c in text]


def surface_forms(place: Place) -> list[str]:
    """Every way the place is written: name, aliases, the name without its suffix (never shorter than 2)."""
    forms = [place.name, *place.aliases]
    for suffix in _SUFFIXES.get(place.kind, ()):
        if place.name.endswith(suffix) and len(place.name) - len(suffix) >= MIN_STEM:
            stem = place.name[: -len(suffix)]
            forms.append(stem)
            if place.kind == "street" and suffix in ("街道", "街道办事处"):
                forms.extend(stem + s for s in _STREET_SHORT)
            break
    seen: list[str] = []
    for f in forms:
        f = f.strip()
        if f and f not in seen:
            seen.append(f)
    return seen


@dataclass
class Gazetteer:
    """An immutable-by-convention set of places with an index for finding them in text."""

    places: tuple[Place, ...] = ()
    by_code: dict[str, Place] = field(init=False, repr=False)
    _exact: dict[str, list[tuple[str, Place]]] = field(init=False, repr=False)
    _sound: dict[str, list[tuple[tuple[str, ...], Place]]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.places = tuple(self.places)
        self.by_code = {p.code: p for p in self.places}
        self._exact, self._sound = {}, {}
        for place in self.places:
            for form in surface_forms(place):
                self._exact.setdefault(form[0], []).append((form, place))
                if len(form) >= MIN_PINYIN:
                    sound = tuple(syllables(form))
                    self._sound.setdefault(sound[0], []).append((sound, place))
        for bucket in self._exact.values():
            bucket.sort(key=lambda fp: -len(fp[0]))
        for bucket in self._sound.values():
            bucket.sort(key=lambda sp: -len(sp[0]))

    @classmethod
    def from_rows(cls, rows: Iterable[Mapping[str, object]]) -> Gazetteer:
        """From gazetteer.csv-shaped rows (kind, code, name, parent_code, aliases space-separated)."""
        places = []
        for row in rows:
            aliases = row.get("aliases") or ()
            if isinstance(aliases, str):
                aliases = aliases.split()
            places.append(Place(kind=str(row["kind"]).strip(), code=str(row["code"]).strip(),
                                name=str(row["name"]).strip(),
                                parent_code=(str(row.get("parent_code") or "").strip() or None),
                                aliases=tuple(str(a) for a in aliases)))
        return cls(tuple(places))

    def __len__(self) -> int:
        return len(self.places)

    def chain(self, code: str | None) -> dict[str, Place]:
        """The place and its ancestors by kind ({'district': …, 'street': …, 'community': …, 'road': …})."""
        out: dict[str, Place] = {}
        seen: set[str] = set()
        while code and code in self.by_code and code not in seen:
            seen.add(code)
            place = self.by_code[code]
            out.setdefault(place.kind, place)
            code = place.parent_code
        return out

    def find(self, text: str) -> list[Hit]:
        """Places named in the text, leftmost-longest, non-overlapping; a character match beats a sound one."""
        found: list[Hit] = []
        sounds = syllables(text) if self._sound else []
        i, n = 0, len(text)
        while i < n:
            hit = self._exact_at(text, i)
            sound_hit = self._sound_at(sounds, i)
            if sound_hit is not None and (hit is None or sound_hit.end > hit.end):
                hit = sound_hit
            if hit is None:
                i += 1
                continue
            found.append(hit)
            i = hit.end
        return found

    def _exact_at(self, text: str, i: int) -> Hit | None:
        length, found = 0, []
        for form, place in self._exact.get(text[i], ()):  # longest forms first
            if length and len(form) < length:
                break
            if text.startswith(form, i) and place not in found:
                length = len(form)
                found.append(place)
        return Hit(i, i + length, tuple(found), True) if found else None

    def _sound_at(self, sounds: list[str], i: int) -> Hit | None:
        if i >= len(sounds):
            return None
        length, found = 0, []
        for sound, place in self._sound.get(sounds[i], ()):
            k = len(sound)
            if length and k < length:
                break
            if tuple(sounds[i:i + k]) == sound and place not in found:
                length = k
                found.append(place)
        return Hit(i, i + length, tuple(found), False) if found else None

    def resolve(self, hits: list[Hit]) -> dict[str, Place]:
        """The place chain the text most likely means.

        The district is the one the text names, else the district of the first place said (a caller says
        where first: 钢城路和平里那个路口 is on 钢城路); within it the most specific place wins, so a
        place of another district mentioned later is passed over."""
        if not hits:
            return {}
        named = [p.code for h in hits for p in h.places if p.kind == "district"]
        if not named:
            named = [d.code for p in hits[0].places if (d := self.chain(p.code).get("district")) is not None]
        options = [(i, h, p) for i, h in enumerate(hits) for p in h.places]
        ranked = sorted(options, key=lambda o: (-RANK.get(o[2].kind, 0), not o[1].exact, o[0]))
        for _, _, place in ranked:
            chain = self.chain(place.code)
            district = chain.get("district")
            if not named or (district is not None and district.code in named):
                return chain
        return self.chain(named[0]) if named[0] in self.by_code else self.chain(hits[0].place.code)
