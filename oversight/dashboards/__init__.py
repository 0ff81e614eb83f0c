"""The dashboards (ADRs 0020, 0021, 0026): the figures, their tallies and the pages."""
