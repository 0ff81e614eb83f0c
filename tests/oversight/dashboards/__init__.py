"""Tests of oversight/dashboards/."""
