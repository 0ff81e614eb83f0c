"""Tests of oversight/qa/."""
