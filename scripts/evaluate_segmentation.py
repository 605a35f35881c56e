#!/usr/bin/env python
"""Print precision, recall and F1 of jieba's default and of the project tokenizer.

Scores each segmenter on the hand-segmented gold standard
``tests/data/segmentation_gold.utf8`` (SIGHAN scoring). Same as
``python -m discourse.segment.evaluate``; ``--gold PATH`` scores another file.
"""

from discourse.segment.evaluate import main

if __name__ == "__main__":
    raise SystemExit(main())
