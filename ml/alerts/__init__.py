"""Behaviour-change alerts per customer: a good customer turning bad (paying later, paying in
small parts or another way, disputing everything, going silent) is told to the colleague who
should talk to them next, before it is a write-off. ``series`` builds each customer's event
series, ``detect`` the CUSUM and its calibration, ``model`` the fitted detector, ``labels`` the
hindsight evidence and the vendor baseline it is judged on, ``spec`` the ml.spec.ModelSpec."""
