"""Incentive uplift and the next best action: what each dunning action adds to P(paid within
14 days) for an invoice, learnt from the randomised legacy history, and which one pays."""
