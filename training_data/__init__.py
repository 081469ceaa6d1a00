"""Attune's own labelled messages, installed as ``attune.data`` so retraining works after ``pip install .``.

The files (``messages.csv``, ``holdout/independent.csv``) are package data; nothing here is imported
for its code. See README.md in this folder for the schema and labelling rules.
"""
