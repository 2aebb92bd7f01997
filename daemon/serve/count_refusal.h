// count_refusal: a refused connection or message counts twice: in the
// serving process's totals (ackd_refused_total, `ackctl status`) and by
// kind in its listener's meter (ackd_listener_refused_total{reason}).
// Every place that refuses calls this, so the two never disagree.
#pragma once

#include "daemon/access/refusal.h"
#include "daemon/record/recorder.h"
#include "daemon/serve/served_listener.h"

namespace ackd {

inline void count_refusal(Recorder& recorder, const ServedListener& listener, Refusal why) {
  recorder.count_refused();
  listener.meter.counts().count_refusal(why);
}

}  // namespace ackd
