"""The benefits ledger's domain: money, standards, households, rules, the application.

Imports only the standard library and eventsourcing.
"""
