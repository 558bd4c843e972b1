"""Goods names as the HS suggestions compare them: normalised text, character grams, a score.

Chinese goods names have no spaces between words, so names are compared by overlapping
character pairs (bigrams); a run of Latin letters or digits counts as one character, so
"AirPods" or "T恤" match as written. Sizes and counts (50ml, 750ML, 3×100g, 2瓶) describe the
package, not the goods, and are left out of the comparison.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Mapping
from itertools import pairwise

# A quantity with its unit: 50ml, 1.5 kg, 3×100g, 2瓶装, 60粒 …
_SIZE = re.compile(
    r"\d+(?:\.\d+)?\s*(?:[x×*]\s*\d+(?:\.\d+)?\s*)?"
    r"(?:ml|l|cl|g|kg|mg|oz|lb|毫升|升|克|千克|公斤|斤|粒|片|袋|支|瓶|罐|盒|包|只|双|件|个|枚|颗|"
    r"条|套|装|岁|寸|英寸|mah|w|gb|tb)"
    r"(?:装|/(?:瓶|罐|盒|袋|支|包))?(?![a-z])")
_LONE_TIMES = re.compile(r"(?<![a-z])[x×*]\s*\d*(?![a-z])")
_UNIT = re.compile(r"[a-z0-9]+|[^\sa-z0-9]")
_PUNCT = re.compile(r"[\s\-_/\\|,.;:!?'\"()\[\]{}<>+=~`@#$%^&*×"
                    r"，。、；：！？“”‘’（）【】《》「」·…]+")


def normalise_name(text: str) -> str:
    """Full-width folded to half-width, case folded, punctuation and runs of spaces to one
    space, sizes and counts removed: the text a goods name is matched by."""
    folded = unicodedata.normalize("NFKC", text or "").casefold()
    folded = _SIZE.sub(" ", folded)
    folded = _LONE_TIMES.sub(" ", folded)
    return " ".join(_PUNCT.sub(" ", folded).split())


def units(text: str) -> list[list[str]]:
    """Per word of normalised `text`: its characters, a Latin/digit run counting as one."""
    return [_UNIT.findall(word) for word in text.split()]


def grams(text: str) -> frozenset[str]:
    """The comparable pieces of a normalised text: pairs of neighbouring characters, and every
    Latin word and every one-character word by itself."""
    out: set[str] = set()
    words = units(text)
    for word in words:
        if len(word) == 1:
            out.add(word[0])
        for unit in word:
            if unit.isascii() and len(unit) > 1 and not unit.isdigit():
                out.add(unit)
    # pairs run across spaces too: listings space words at will ("维生素C 泡腾片")
    run = [u for word in words for u in word]
    out.update(a + b for a, b in pairwise(run))
    return frozenset(out)


class GramWeights:
    """How telling each gram is: rare grams weigh more (inverse document frequency over the
    tariff's names), grams the tariff never uses weigh the most."""

    def __init__(self, document_frequency: Mapping[str, int], documents: int) -> None:
        self._df = document_frequency
        self._n = max(documents, 1)
        self._unseen = math.log(self._n + 1.0)

    def __call__(self, gram: str) -> float:
        df = self._df.get(gram)
        if not df:
            return self._unseen
        return math.log((self._n + 1.0) / df)

    def total(self, items: Iterable[str]) -> float:
        return sum(self(g) for g in items)


def coverage(query: frozenset[str], text: frozenset[str], weight: GramWeights) -> float:
    """The weighted share of the query's grams found in `text` (0..1)."""
    whole = weight.total(query)
    return weight.total(query & text) / whole if whole else 0.0


def likeness(query: frozenset[str], text: frozenset[str], weight: GramWeights) -> float:
    """Weighted Dice similarity of two names (0..1): 1 for the same name in another size."""
    whole = weight.total(query) + weight.total(text)
    return 2.0 * weight.total(query & text) / whole if whole else 0.0
