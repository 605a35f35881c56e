"""Domain-free analysis of tokenised units: tidy DataFrames in and out.

Nothing here knows about a particular study: lexicons, periods and groups are
passed in as arguments. Submodules: ``grouping``, ``vocab``, ``keyness``,
``ctfidf``, ``topics``, ``coherence``, ``similarity``, ``kwic``,
``collocations``, ``features``, ``stats``.
"""
