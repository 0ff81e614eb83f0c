"""Tests of oversight/categories/."""
