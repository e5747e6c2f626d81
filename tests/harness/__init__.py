"""Offline test harness: builds a local Hugging Face cache of stand-ins and guards the network.

The notebooks load real models and data sets by their Hub ids. Tests run with no network, so
`build.py` writes, under each real repo id, a stand-in with the real repo's layout: real weights or
data where a registry package ships them, a tiny randomly initialised model of the same class
otherwise. See README.md ("How the offline stand-ins work").
"""
