"""Keras Workbench: assemble, inspect, train and compare classic Keras networks."""

__version__ = "0.1.0"
