"""Helpers shared by the course notebooks: data loading and plotting.

Learners use these; they never have to write them.
"""
