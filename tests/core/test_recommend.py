"""Suggestions learned from an annotator's spans: the string matcher's rules on Persian and Korean
surface forms, the CRF tagger, and `suggest` writing only into a layer of its own."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annotator.core.importing import import_paths
from annotator.core.model import Span
from annotator.core.recommend.strings import StringMatcher
from annotator.core.recommend.suggesting import SuggestError, evaluate, merge, suggest
from annotator.core.recommend.tagger import Tagger
from annotator.storage import Store
from tests.helpers import ROOT, SEEDS, write


def found(matcher: StringMatcher, text: str) -> list[tuple[str, str]]:
    return [(text[s.start:s.end], s.label) for s in matcher.suggest(text)]


def test_arabic_and_persian_letters_are_one_and_zwnj_is_optional():
    m = StringMatcher()
    m.learn([("علی", "PER"), ("سامانه\u200cهای هوشمند", "ORG"), ("كرمان", "GPE")])
    text = "علي گفت سامانههای هوشمند در کرمان و سامانه\u200cهای هوشمند"
    assert found(m, text) == [("علي", "PER"), ("سامانههای هوشمند", "ORG"), ("کرمان", "GPE"),
                              ("سامانه\u200cهای هوشمند", "ORG")]


def test_persian_and_latin_match_whole_words_only():
    m = StringMatcher()
    m.learn([("علی", "PER"), ("Seoul", "GPE")])
    assert found(m, "علیرضا و عليرضا در Seoulful و seoul") == [("seoul", "GPE")]


def test_korean_matches_before_a_particle_but_never_inside_a_longer_word():
    m = StringMatcher()
    m.learn([("대구시", "GPE"), ("포항시", "GPE")])
    text = "동대구시장 방문. 대구시장 선거. 포항시는 발표했고 대구시에서는 포항시와 대구시"
    assert found(m, text) == [("포항시", "GPE"), ("대구시", "GPE"), ("포항시", "GPE"), ("대구시", "GPE")]


def test_scores_follow_how_often_a_label_was_given_and_rejections_lower_them():
    m = StringMatcher()
    m.learn([("مشهد", "GPE"), ("مشهد", "GPE"), ("مشهد", "ORG")])
    [only] = m.suggest("در مشهد")
    assert (only.label, only.score) == ("GPE", round(2 / 3, 3))
    m.reject("مشهد", "GPE")
    [again] = m.suggest("در مشهد")
    assert again.score < only.score


def test_a_gazetteer_adds_patterns_and_a_bad_line_names_itself(tmp_path: Path):
    m = StringMatcher()
    assert m.load_gazetteer(write(tmp_path / "g.tsv", "# places\n서울특별시\tGPE\nتهران\tGPE\n")) == 2
    assert found(m, "서울특별시와 تهران") == [("서울특별시", "GPE"), ("تهران", "GPE")]
    with pytest.raises(Exception, match=r"g2.tsv:1: a gazetteer line is TEXT<TAB>LABEL"):
        m.load_gazetteer(write(tmp_path / "g2.tsv", "no tab here\n"))


def test_merge_keeps_the_higher_score_where_recommenders_overlap():
    from annotator.core.recommend import Suggestion

    a = Suggestion(0, 3, "GPE", 0.9, "string")
    b = Suggestion(0, 4, "ORG", 0.6, "crf")
    c = Suggestion(10, 12, "PER", 0.7, "crf")
    assert merge([b, c, a]) == [a, c]


def test_the_tagger_learns_and_finds_a_name_in_a_new_sentence():
    text = "علی رضایی در تهران گفت. مریم احمدی در شیراز گفت. حسن کریمی در تبریز گفت."
    spans = []
    for word, label in (("علی رضایی", "PER"), ("تهران", "GPE"), ("مریم احمدی", "PER"), ("شیراز", "GPE"),
                        ("حسن کریمی", "PER"), ("تبریز", "GPE")):
        start = text.index(word)
        spans.append(Span("d", "s", start, start + len(word), label, word))
    tagger = Tagger()
    try:
        assert tagger.train([(text, spans)] * 5) == 15
        new = "رضا محمدی در تهران گفت."
        got = [(new[s.start:s.end], s.label) for s in tagger.suggest(new)]
        assert ("تهران", "GPE") in got and all(0 < s.score <= 1 for s in tagger.suggest(new))
    finally:
        tagger.close()


@pytest.fixture
def annotated(store: Store) -> Store:
    import_paths(store, [SEEDS, ROOT / "docs" / "demo-annotations.jsonl"], annotator="tester")
    return store


def test_suggest_writes_only_into_its_own_layer_and_every_span_is_exact(annotated: Store):
    before = {d: annotated.spans(d, "sara") for d in ("000_b57cd57af517ef66", "002_26049669d35f669e")}
    report = suggest(annotated, "sara")
    assert report.suggestions > 10 and report.learned_documents == 2
    for doc_id, spans in before.items():
        assert annotated.spans(doc_id, "sara") == spans  # the person's layer is untouched
    for doc_id in ("000_b57cd57af517ef66", "002_26049669d35f669e"):
        text = annotated.get_document(doc_id).text
        for span in annotated.spans(doc_id, "model"):
            assert text[span.start:span.end] == span.text and span.note.split()[0] in ("string", "crf")
    again = suggest(annotated, "sara", recommenders=["string"])  # made anew, not piled up
    every = sum(len(annotated.spans(d.id, "model")) for _, page in [(0, annotated.document_pages(500))]
                for docs in page for d in docs)
    assert every == again.suggestions > 0
    with pytest.raises(SuggestError, match="a layer of their own"):
        suggest(annotated, "sara", into="tester")
    with pytest.raises(SuggestError, match="no annotator 'ghost'"):
        suggest(annotated, "ghost")
    with pytest.raises(SuggestError, match="unknown recommender 'bert'"):
        suggest(annotated, "sara", recommenders=["bert"])


def test_evaluate_over_documents_in_folds(annotated: Store, tmp_path: Path):
    # a second Persian document by sara, so a fold can learn from one and be tested on the other
    doc = json.loads((ROOT / "docs" / "demo-annotations.jsonl").read_text(encoding="utf-8").splitlines()[0])
    doc["id"] = "copy"
    import_paths(annotated, [write(tmp_path / "c.jsonl", json.dumps(doc, ensure_ascii=False) + "\n")], annotator="x")
    results = evaluate(annotated, "sara", folds=3)
    string = results["string"]["ALL"]
    assert string.gold > 0 and string.true_positives > 0 and 0 < string.f1 <= 1


def test_themes_are_learned_from_the_ticked_ones():
    from annotator.core.recommend.themes import ThemeClassifier

    health = ["بیمارستان و پزشکان در برابر کرونا", "코로나19 방역 병원 의료진", "واکسن کرونا در بیمارستان",
              "병원 방역 의료 코로나19 대응"]
    traffic = ["ترافیک و حمل و نقل شهری در مشهد", "교통 신호 버스 지하철 혼잡", "حمل و نقل عمومی و اتوبوس",
               "지하철 버스 교통 혼잡 신호"]
    model = ThemeClassifier()
    assert model.train([(t, ["health"]) for t in health] + [(t, ["mobility"]) for t in traffic]) == 2
    assert model.suggest("کرونا و بیمارستان")[0][0] == "health"
    assert model.suggest("버스와 지하철 교통")[0][0] == "mobility"


def test_an_outside_model_command_is_checked_like_an_import(annotated: Store, tmp_path: Path):
    good = write(tmp_path / "model.py", (
        "import json, sys\n"
        "for line in sys.stdin:\n"
        "    doc = json.loads(line)\n"
        "    i = doc['text'].find('대구시')\n"
        "    spans = [{'start': i, 'end': i + 3, 'label': 'GPE', 'score': 0.7}] if i >= 0 else []\n"
        "    print(json.dumps({'id': doc['id'], 'spans': spans, 'themes': ['health']}, ensure_ascii=False))\n"))
    import sys

    report = suggest(annotated, None, command=f"{sys.executable} {good}")
    assert report.suggestions >= 1 and report.themes == 5
    daegu = "002_26049669d35f669e"
    [first, *_] = annotated.spans(daegu, "model")
    assert first.text == "대구시" and first.note == "command 0.70"
    bad = write(tmp_path / "bad.py", (
        "import json, sys\n"
        "for line in sys.stdin:\n"
        "    doc = json.loads(line)\n"
        "    print(json.dumps({'id': doc['id'], 'spans': [{'start': 0, 'end': 2, 'label': 'GPE', 'text': 'nope'}]}))\n"))
    before = annotated.dump()
    with pytest.raises(Exception, match=r"--command output line 1: span 1: its text 'nope' is not what \[0, 2\) covers"):
        suggest(annotated, None, command=f"{sys.executable} {bad}")
    assert annotated.dump() == before


def test_the_documented_spacy_wrapper_runs_as_an_outside_model(annotated: Store, tmp_path: Path):
    """docs/format.md's example, run as written, over a real (rule-based, offline) spaCy pipeline."""
    import re
    import sys

    import spacy

    nlp = spacy.blank("xx")
    nlp.add_pipe("entity_ruler").add_patterns([{"label": "GPE", "pattern": "대구시"},
                                               {"label": "GPE", "pattern": "مشهد"}])
    nlp.to_disk(tmp_path / "pipeline")
    docs = (ROOT / "docs" / "format.md").read_text(encoding="utf-8")
    script = re.search(r"```python\n(# spacy_suggest\.py.*?)```", docs, re.S).group(1)
    wrapper = write(tmp_path / "spacy_suggest.py", script)
    report = suggest(annotated, None, command=f"{sys.executable} {wrapper} {tmp_path / 'pipeline'}")
    assert report.by_label.get("GPE", 0) > 3
    for doc_id in ("000_b57cd57af517ef66", "002_26049669d35f669e"):
        text = annotated.get_document(doc_id).text
        assert all(text[s.start:s.end] == s.text for s in annotated.spans(doc_id, "model"))


# --- the tagger's speed-ups change no token, sentence or feature ------------------------------

_TRICKY = list("\u200c\u200d\ufe0f\u20e3\u0301\u064e\u0651\u0600\u06dd \n\t\r\u00a0\u3000\u2028.!?؟…。«»،؛\"'()]#*1۳٫3"
               "aبیکمهدعل대구시는에서와이가은을의K") + ["👩", "🇮", "🇷", "🏽", "😀"]


def _sentences_token_by_token(text, tokens, keep=()):
    """tokens.sentences as it was before it looked only at terminals and line breaks: every
    token in turn (the reference the faster one must equal)."""
    from annotator.core.tokens import CLOSERS, LINE_BREAK, TERMINALS, _blocked

    n = len(tokens)
    if n == 0:
        return []
    blocked = _blocked(tokens, 0, n, keep)
    out, first, i = [], 0, 0
    while i < n - 1:
        ends_here = False
        token, following = tokens[i], tokens[i + 1]
        if text[token.start:token.end] in TERMINALS:
            j = i
            while (j + 1 < n and tokens[j + 1].start == tokens[j].end
                   and text[tokens[j + 1].start:tokens[j + 1].end] in CLOSERS):
                j += 1
            if j + 1 == n:
                break
            if tokens[j + 1].start > tokens[j].end:
                i, token, following, ends_here = j, tokens[j], tokens[j + 1], True
        if not ends_here and LINE_BREAK.search(text, token.end, following.start):
            ends_here = True
        if ends_here and not blocked[i + 1]:
            out.append((first, i + 1))
            first = i + 1
        i += 1
    out.append((first, n))
    return out


def _check_same_tokens_and_sentences(text: str, keep: list[tuple[int, int]]) -> None:
    from annotator.core.tokens import scan, sentences, tokenize

    tokens = tokenize(text)
    assert tokens == scan(text)  # the per-run cache gives what scanning the whole text gives
    assert sentences(text, tokens, keep) == _sentences_token_by_token(text, tokens, keep)


def test_cached_tokens_and_sentences_equal_the_token_by_token_ones_on_the_seeds():
    for path in sorted(SEEDS.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        _check_same_tokens_and_sentences(text, [])
        words = [m.span() for m in re.finditer(r"\S+(?: \S+)?", text)][::7]  # spans across sentence ends too
        _check_same_tokens_and_sentences(text, words)


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.one_of(st.sampled_from(_TRICKY), st.characters(exclude_categories=("Cs",))),
               max_size=60), st.lists(st.tuples(st.integers(0, 60), st.integers(1, 8)), max_size=4))
def test_cached_tokens_and_sentences_equal_the_token_by_token_ones(text: str, keep: list[tuple[int, int]]):
    _check_same_tokens_and_sentences(text, [(s, min(s + w, len(text))) for s, w in keep if s < len(text)])


def test_sentence_features_are_each_tokens_own_and_its_neighbours():
    from annotator.core.recommend.tagger import sentence_features

    tokens = ["대구시", "는", "سامانه\u200cهای", "۱۴۰۲", "."]
    features = [[f.decode() for f in item] for item in sentence_features(tokens)]
    # Affixes strictly shorter than the token (대구시's three-letter prefix is the token itself).
    assert features[0][:8] == ["bias", "w=대구시", "p1=대", "s1=시", "p2=대구", "s2=구시", "script=hangul", "len=3"]
    assert features[0][8:] == ["-2:edge", "-1:edge", "1:w=는", "1:script=hangul", "2:w=سامانههای"]
    assert features[1][:4] == ["bias", "w=는", "script=hangul", "len=1"]  # one letter: no affix at all
    assert "particle" in features[1] and "zwnj" in features[2] and "digit" in features[3] and "punct" in features[4]
    assert features[4][-4:] == ["-1:w=1402", "-1:script=arabic", "1:edge", "2:edge"]  # Persian digits


def _features_token_by_token(tokens: list[str]) -> list[list[str]]:
    """The tagger's features as they were computed before they were cached per distinct token
    (the reference the cached ones must equal, so the tagger learns exactly the same)."""
    import unicodedata

    from annotator.core.recommend.tagger import _script
    from annotator.core.text import fold
    from annotator.core.recommend.tagger import PARTICLES

    folded = [fold(t) for t in tokens]
    scripts = [_script(t) for t in tokens]
    out = []
    for i, word in enumerate(tokens):
        f = folded[i]
        affixes = []
        for n in (1, 2, 3):
            if n < len(f):
                affixes += [f"p{n}={f[:n]}", f"s{n}={f[-n:]}"]
        features = ["bias", f"w={f}", *affixes, f"script={scripts[i]}", f"len={min(len(word), 8)}"]
        if "\u200c" in word:
            features.append("zwnj")
        if any(unicodedata.category(ch) == "Nd" for ch in word):
            features.append("digit")
        if word in PARTICLES:
            features.append("particle")
        if not any(ch.isalnum() for ch in word):
            features.append("punct")
        for offset in (-2, -1, 1, 2):
            j = i + offset
            if 0 <= j < len(tokens):
                features.append(f"{offset}:w={folded[j]}")
                if abs(offset) == 1:  # the script of the next-door neighbours only
                    features.append(f"{offset}:script={scripts[j]}")
            else:
                features.append(f"{offset}:edge")
        out.append(features)
    return out


def test_cached_features_equal_the_token_by_token_ones_on_every_seed_sentence():
    from annotator.core.recommend.tagger import sentence_features
    from annotator.core.token_view import doc_tokens

    sentences = 0
    for path in sorted(SEEDS.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        view = doc_tokens(text, [])
        for a, b in view.sentences:
            tokens = [text[t.start:t.end] for t in view.tokens[a:b]]
            assert [[f.decode() for f in item] for item in sentence_features(tokens)] == _features_token_by_token(tokens)
            sentences += 1
    assert sentences > 50
    for tokens in ([], ["하나"], ["a", "b"], ["\u064e", "ك", "١٢"]):  # short sentences: edges on both sides
        assert [[f.decode() for f in item] for item in sentence_features(tokens)] == _features_token_by_token(tokens)


def test_the_same_sentences_give_the_same_model_whatever_trained_before():
    text = "علی رضایی در تهران گفت. مریم احمدی در شیراز گفت. 대구시는 포항시와 발표했다."
    spans = [Span("d", "s", text.index(w), text.index(w) + len(w), label, w)
             for w, label in (("علی رضایی", "PER"), ("تهران", "GPE"), ("شیراز", "GPE"), ("포항시", "GPE"))]
    models = []
    for _ in range(3):
        tagger = Tagger()
        try:
            tagger.train([(text, spans)] * 20)
            models.append(tagger.model_path.read_bytes())
        finally:
            tagger.close()
    assert models[0] == models[1] == models[2]  # crfsuite's shuffle starts from one seed every time


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.one_of(st.sampled_from(list("\u200c\u200d\u064e\u0651\u0640ي ك ۱٣İΣσςAaé\u0301")),
                                  st.characters(exclude_categories=("Cs",))), max_size=50))
def test_the_matchers_folding_is_fold_with_map(text: str):
    from annotator.core.recommend.strings import fold_with_origin
    from annotator.core.text import fold_with_map

    folded, origin = fold_with_origin(text)
    expected_folded, expected_origin = fold_with_map(text)
    assert folded == expected_folded and list(origin) == expected_origin


# A helper is forked only by a process with one thread: the test process has more (numpy's, once
# a theme test ran), so these run in a fresh interpreter, as the command line does.
_HELPER_SCRIPT = r"""
import json, os, sys
from pathlib import Path
from annotator import benchmarks
from annotator.core.importing import import_paths
from annotator.core.recommend import suggesting
from annotator.core.recommend.strings import StringMatcher
from annotator.storage import Store

tmp, case = Path(sys.argv[1]), sys.argv[2]
benchmarks.make_corpus(tmp / "c.jsonl", suggesting.PAGE + 30, chars=400, spans=3)
lines = [json.loads(line) for line in (tmp / "c.jsonl").read_text(encoding="utf-8").splitlines()]
rest = [{k: v for k, v in r.items() if k not in ("spans", "themes")} for r in lines[40:]]
(tmp / "in.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in lines[:40] + rest),
                              encoding="utf-8")
store = Store.open(tmp / "t.db")
import_paths(store, [tmp / "in.jsonl"], annotator="a")
started = []
real_start = suggesting._Helper.start.__func__
suggesting._Helper.start = classmethod(lambda cls, learned: started.append(real_start(cls, learned)) or started[-1])
if case == "same":
    forked = suggesting.suggest(store, "a", into="model-a")
    suggesting._Helper.start = classmethod(lambda cls, learned: None)
    alone = suggesting.suggest(store, "a", into="model-b")
    rows = store.db.execute('SELECT annotator, doc_id, start, "end", label, text, note FROM spans '
                            'WHERE annotator LIKE ? ORDER BY doc_id, start, "end", label', ['model-%']).fetchall()
    print(json.dumps({"helper": started[0] is not None and started[0].process.exitcode,
                      "forked": [forked.suggestions, forked.documents, forked.themes],
                      "alone": [alone.suggestions, alone.documents, alone.themes],
                      "same": [r[1:] for r in rows if r[0] == "model-a"] == [r[1:] for r in rows if r[0] == "model-b"]}))
else:
    parent, real = os.getpid(), StringMatcher.suggest
    def fail_in_the_helper(self, text):
        if os.getpid() != parent:
            raise ValueError("a broken model")
        return real(self, text)
    StringMatcher.suggest = fail_in_the_helper
    before = store.dump()
    try:
        suggesting.suggest(store, "a", recommenders=["string"])
    except suggesting.SuggestError as err:
        print(json.dumps({"error": str(err), "unchanged": store.dump() == before,
                          "helper": started[0].process.exitcode}))
"""


def _run_helper_case(tmp_path: Path, case: str) -> dict:
    import subprocess
    import sys

    script = write(tmp_path / "helper_case.py", _HELPER_SCRIPT)
    done = subprocess.run([sys.executable, str(script), str(tmp_path), case], capture_output=True, text=True,
                          cwd=ROOT, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.splitlines()[-1])


def test_a_forked_helper_suggests_while_pages_are_written_and_the_spans_are_the_same(tmp_path: Path):
    """More than a page of documents: a helper process works out the next page while this one is
    written (the command line's case); the layer holds what one process alone writes."""
    got = _run_helper_case(tmp_path, "same")
    assert got["helper"] == 0  # it ran, and stopped when the work was done
    assert got["forked"] == got["alone"] and got["forked"][0] > 0 and got["forked"][1] == 230
    assert got["same"]


def test_a_failing_helper_is_one_error_and_nothing_is_written(tmp_path: Path):
    got = _run_helper_case(tmp_path, "fail")
    assert got["error"] == "the suggestion helper process failed: ValueError: a broken model"
    assert got["unchanged"] and got["helper"] == 0
