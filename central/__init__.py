"""Central: the programme's online database at the connectivity point.

It ingests hubs' ``progress`` and ``enrol`` bundles (from a stick or an upload), merges them
with the pure rules of :mod:`hubd.sync`, and writes ``reply`` bundles back. It uses
:mod:`hubd.bundle` and :mod:`hubd.sync` only, never the hub's storage, web or USB code.
"""
