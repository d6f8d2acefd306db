"""The README's Python quickstart, kept runnable."""

import sessiontimer as st

# A UAS answers an INVITE (headers as pairs, a dict, or the raw message).
uas = st.Uas(st.Policy(min_se=600))
print(uas.decide([("Supported", "timer"), ("Session-Expires", "300")]))  # Reject 422, Min-SE: 600
answer = uas.decide({"Supported": "timer", "Session-Expires": "1800"})
assert isinstance(answer, st.Accept) and answer.timer is not None
print(answer.headers)  # add these to the 200 OK

# Once the 200 OK is sent, the engine owns the dialog's deadlines.
session = st.Session()
session.apply(answer.timer, now_ms=0)
engine = st.Engine()
engine.establish(1, session)
print(engine.next_deadline())  # when to poll next (ms; never later than the BYE time)
for action in engine.poll(now_ms=1_768_000):
    print(action.kind, action.reason)  # send_bye no_refresh_received
