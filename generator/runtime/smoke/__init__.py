"""`smoke`: prove a live Redis keeps the environment's promises, one step at a time.

target.py says where to connect, steps.py holds each step as a function over one small session
record, runner.py runs them in order and stops at the first broken promise.
"""
