"""Analyses of a network and its run: loss surface, neuron maps and the lecture's numbers."""
