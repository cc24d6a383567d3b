"""The inbound check's quick way (bot/inbound.py, issue 19): an activity whose JSON text shows it
has nothing to clean is not walked. It must never let through what the walk would change or refuse."""
import json

from hypothesis import example, given, settings
from hypothesis import strategies as st

from bot.inbound import MAX_DEPTH, Malformed, _cleaned, _nothing_to_clean

# Every character that shows nothing, as bot.inbound.INVISIBLE names them (its ranges written out by hand).
INVISIBLE_CHARACTERS = ("\u00ad\u034f\u115f\u1160\u17b4\u17b5\u180e\u200b\u200c\u200d\u200e\u200f"
                        "\u2060\u2061\u2062\u2063\u2064\u2800\u3164\ufeff\uffa0")  # U+2800: the blank Braille pattern

# Strings with what the walk changes (control characters, lone surrogates, DEL) among ordinary text.
awkward = st.text(alphabet=st.one_of(st.characters(codec="utf-8"), st.sampled_from("\x00\x08\x0c\x1f\x7f\t\n\r \ud800\udfffé😀\u202a\u202e\u2066\u2069\u2013\u2019"
                                                                                             + INVISIBLE_CHARACTERS)),
                  max_size=12)
values = st.recursive(st.one_of(st.none(), st.booleans(), st.integers(), awkward),
                      lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(awkward, inner, max_size=4)),
                      max_leaves=30)


def encodings(value) -> list[bytes]:
    """The ways a sender may write `value` as JSON bytes that json.loads reads back."""
    texts = [json.dumps(value, ensure_ascii=True), json.dumps(value, ensure_ascii=False)]
    out = [text.encode("utf-8", "surrogatepass") for text in texts]
    out += [texts[1].encode(codec, "surrogatepass") for codec in ("utf-16-le", "utf-16-be", "utf-32-le")]
    return out


def walk_changes_or_refuses(value) -> bool:
    try:
        return _cleaned(value) != value
    except Malformed:
        return True


@settings(max_examples=600, deadline=None)
@given(st.dictionaries(st.sampled_from(["type", "text", "from", "value", "entities"]), values, min_size=1))
@example({"text": "a\x00b"})
@example({"text": "\ud800"})
@example({"text": "a\x7fb"})
@example({"text": "\x0c"})
@example({"text": "\x08"})
@example({"name": "Bob\u202egnp.exe"})
@example({"name": "\u2066x\u2069"})
@example({"text": "\u200b\u200b"})
@example({"text": " \ufeff\n"})
@example(json.loads('{"v": ' + "[" * MAX_DEPTH + '"one too deep"' + "]" * MAX_DEPTH + "}"))  # the object and 24 lists
def test_a_text_judged_clean_reads_back_as_nothing_to_change(body):
    for raw in encodings(body):
        if _nothing_to_clean(raw):
            assert not walk_changes_or_refuses(json.loads(raw)), raw


def test_an_ordinary_activity_is_judged_clean_and_the_awkward_ones_are_walked():
    ordinary = {"type": "message", "text": "A1 done – thank you, Zoë", "from": {"id": "29:x", "name": "DS Bench"},
                "conversation": {"id": "19:abc@thread.tacv2;messageid=1"}, "channelData": {"tenant": {"id": "t"}}}
    assert _nothing_to_clean(json.dumps(ordinary, ensure_ascii=False).encode())
    assert not _nothing_to_clean(json.dumps({"text": "x\u0000"}).encode())  # an escaped control character
    assert not _nothing_to_clean(json.dumps({"text": "\ud83d"}, ensure_ascii=False).encode("utf-8", "surrogatepass"))
    assert not _nothing_to_clean(json.dumps(ordinary).encode("utf-16"))
    assert not _nothing_to_clean(json.dumps({"name": "Bob\u202egnp.exe"}, ensure_ascii=False).encode())  # a right-to-left override
    assert _nothing_to_clean(json.dumps({"text": "Zoë’s visit – 10:00 • ok"}, ensure_ascii=False).encode())  # common punctuation is not
    assert not _nothing_to_clean(json.dumps({"v": [[]] * (MAX_DEPTH + 1)}).encode())
    for character in INVISIBLE_CHARACTERS:  # each as UTF-8: a text of it alone is walked, and made nothing
        assert not _nothing_to_clean(json.dumps({"text": character}, ensure_ascii=False).encode()), hex(ord(character))


def test_what_the_walk_changes_is_dropped_or_replaced():
    from bot.inbound import clean_text

    assert clean_text("Bob\u202egnp.exe") == "Bobgnp.exe"  # read right to left it would show "Bobexe.png"
    assert clean_text("a\x00b\tc\n") == "ab\tc\n"
    assert clean_text("A\ud800B") == "A\ufffdB"  # a lone surrogate, as the module says, becomes U+FFFD
    # Word's soft line break (vertical tab) and page break (form feed), pasted: line breaks, not words run together.
    assert clean_text("Word paste\x0bsoft break and\x0cform feed") == "Word paste\nsoft break and\nform feed"
    # A text of characters that show nothing is nothing (a security trial completed an agency's update with two
    # zero-width spaces); among words they are kept, as emoji and scripts that join letters need them.
    for character in INVISIBLE_CHARACTERS:
        assert clean_text(f" {character}\n{character} ") == "", hex(ord(character))
    assert clean_text("   ") == "   " and clean_text("") == ""  # spaces alone are the reader's to strip, as ever
    assert clean_text("👩\u200d👧 update\u200b") == "👩\u200d👧 update\u200b"
