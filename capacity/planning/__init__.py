"""Capacity planning over time: scenarios, sampled demand, the plan model, scenario runs, proposal."""
