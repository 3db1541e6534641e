"""The audit log: who viewed, exported, changed, erased, reclassified or signed in, when and from where."""
