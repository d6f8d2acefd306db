"""The README's Python quickstart, kept runnable (tests/python/test_examples.py)."""

import sessiontimer as st

uas = st.Uas(st.Policy(min_se=600))  # keyword settings, or st.Policy.preset("cisco-cube")
print(uas.decide([("Supported", "timer"), ("Session-Expires", "300")]))  # Reject(status=422, ...)
invite = {"Supported": "timer", "Session-Expires": "1800", "Allow": "INVITE, UPDATE"}
answer = uas.decide(invite)  # or pairs, or the raw message as text
assert isinstance(answer, st.Accept) and answer.timer is not None
print(answer.headers)  # [('Session-Expires', '1800;refresher=uac'), ('Supported', 'timer'), ...]

engine = st.Engine()  # many sessions; thread-safe; pickles
session = uas.establish(invite, answer.timer, now_ms=0)  # the 200 OK went out at t = 0
engine.establish(1, session)  # the session keeps what the INVITE said (Allow: UPDATE, ...)
print(engine.next_deadline())  # when to poll next, in your clock's milliseconds
for action in engine.poll(now_ms=1_768_000):
    print(action.kind, action.reason)  # send_bye no_refresh_received
