# --- Sparklet's stages on PySpark DStreams -----------------------------------
# Each stage is Spark's own operator where PySpark's matches the JVM's, and
# the JVM's definition written out where it does not (see the README's
# "Scale out to Spark").

import shutil
import tempfile
import time
import warnings
from fractions import Fraction
from functools import partial

MALFORMED = None  # an accumulator, set by run()


def D(ms):
    """A duration for Spark, exactly (PySpark truncates float seconds), on
    the Spark batch interval this run uses."""
    return Fraction(ms * SPARK_BATCH_MS, BATCH_MS * 1000)


def batch_index(t):
    """A batch's number from its Spark time: differences count batches."""
    return int(round(t.timestamp() * 1000)) // SPARK_BATCH_MS


def _guarded(f, many, r):
    try:
        return f(r) if many else [f(r)]
    except Bad:
        MALFORMED.add(1)
        return []


def each(s, f):
    """One record to one; a record `f` cannot handle is dropped, counted."""
    return s.flatMap(partial(_guarded, f, False))


def each_many(s, f):
    return s.flatMap(partial(_guarded, f, True))


def keep(s, test):
    return each_many(s, lambda r: [r] if test(r) else [])


def _keyed_lifted(fn, op, r):
    k, v = pair_of(r, op)
    return (key(k), lift(fn, v, op))


def keyed(s, fn, op):
    """`(key(k), lifted v)` for each pair `fn` accepts."""
    return each(s, partial(_keyed_lifted, fn, op))


def _finished(fn, kv):
    return (unkey(kv[0]), finish(fn, kv[1]))


def count(s):
    # The JVM's `count`: one value even for an empty batch.
    ones = s.map(lambda r: (None, 1))
    with_zero = ones.transform(lambda rdd: rdd.union(rdd.context.parallelize([(None, 0)], 1)))
    return with_zero.reduceByKey(lambda a, b: wrap(a + b), 1).map(lambda kv: kv[1])


def count_by_value(s):
    ones = s.map(lambda r: (key(r), 1))
    return ones.reduceByKey(lambda a, b: wrap(a + b), 1).map(lambda kv: (unkey(kv[0]), kv[1]))


def reduce(s, fn):
    lifted = each(s, lambda r: lift(fn, r, "reduce"))
    return lifted.reduce(partial(combine, fn)).map(partial(finish, fn))


def reduce_by_key(s, fn):
    return keyed(s, fn, "reduce_by_key").reduceByKey(partial(combine, fn), 1).map(partial(_finished, fn))


def reduce_by_window(s, fn, length_ms, slide_ms):
    lifted = each(s, lambda r: lift(fn, r, "reduce_by_window"))
    reduced = lifted.reduce(partial(combine, fn))
    windowed = reduced.window(D(length_ms), D(slide_ms)).reduce(partial(combine, fn))
    return windowed.map(partial(finish, fn))


def reduce_by_key_and_window(s, fn, length_ms, slide_ms):
    pairs = keyed(s, fn, "reduce_by_key_and_window").reduceByKey(partial(combine, fn), 1)
    windowed = pairs.window(D(length_ms), D(slide_ms)).reduceByKey(partial(combine, fn), 1)
    return windowed.map(partial(_finished, fn))


# The JVM's ReducedWindowedDStream keeps every key it has seen, at its
# inverse-reduced value, unless a filter drops it; PySpark recomputes windows
# under five slides and drops such keys. So the window is kept per key with
# updateStateByKey: the key's partials per batch within the window, and
# whether a float ever entered (the JVM's running value stays a double).

def _tag_batch(t, rdd):
    i = batch_index(t)
    return rdd.mapValues(lambda v: (i, v))


def _window_state(length, new, old):
    floats, parts = old if old is not None else (False, [])
    parts = parts + sorted(new, key=lambda p: p[0])
    floats = floats or any(_has_float(v) for _, v in new)
    latest = parts[-1][0] if parts else 0
    return (floats, [(i, v) for i, v in parts if i > latest - length])


def _has_float(v):
    # Only a sum changes type; a mean's sum is always a double.
    return isinstance(v, float)


def _window_value(fn, length, at, drop_zero, kv):
    k, (floats, parts) = kv
    inside = [v for i, v in parts if at - length < i <= at]
    if inside:
        v = inside[0]
        for x in inside[1:]:
            v = combine(fn, v, x)
    elif fn == "mean":
        v = (0.0, 0)
    else:
        v = 0
    if floats and fn == "sum":
        v = float(v)
    if drop_zero and v == 0:
        return []
    return [(unkey(k), finish(fn, v))]


def _at_slide(fn, length, drop_zero, t, rdd):
    return rdd.flatMap(partial(_window_value, fn, length, batch_index(t), drop_zero))


def inverse_window(pairs, fn, length_ms, slide_ms, drop_zero=False):
    """`(key(k), lifted v)` pairs reduced over the window with the
    inverse, as the JVM's reduceByKeyAndWindow(f, invF, ...) gives them."""
    length = length_ms // BATCH_MS
    per_batch = pairs.reduceByKey(partial(combine, fn), 1).transform(_tag_batch)
    state = per_batch.updateStateByKey(partial(_window_state, length), 1)
    at_slides = state.window(D(BATCH_MS), D(slide_ms))
    # PySpark's transform reads its function's argument count: no partial.
    return at_slides.transform(lambda t, rdd: _at_slide(fn, length, drop_zero, t, rdd))


def count_by_window(s, length_ms, slide_ms):
    ones = s.map(lambda r: (key(1), 1))
    return inverse_window(ones, "count", length_ms, slide_ms).map(lambda kv: kv[1])


def count_by_value_and_window(s, length_ms, slide_ms):
    ones = s.map(lambda r: (key(r), 1))
    return inverse_window(ones, "count", length_ms, slide_ms, drop_zero=True)


def _seq_tag(t, rdd):
    i = batch_index(t)
    return rdd.zipWithIndex().map(lambda rn: (rn[0], (i, rn[1])))


def _grouped(kv):
    return (unkey(kv[0]), [v for _, v in sorted(kv[1], key=lambda sv: sv[0])])


def _keyed_seq(op, r_seq):
    r, seq = r_seq
    k, v = pair_of(r, op)
    return (key(k), (seq, v))


def group_by_key(s, op="group_by_key", window=None):
    """Values in arrival order: Spark's shuffle keeps none, so each record
    carries its batch and place."""
    tagged = each(s.transform(_seq_tag), partial(_keyed_seq, op))
    if window is not None:
        tagged = tagged.window(D(window[0]), D(window[1]))
    return tagged.groupByKey(1).map(_grouped)


def _fold(fn, new, old):
    for v in new:
        old = v if old is None else combine(fn, old, v)
    return old


def update_state_by_key(s, fn):
    pairs = keyed(s, fn, "update_state_by_key")
    return pairs.updateStateByKey(partial(_fold, fn), 1).map(partial(_finished, fn))


def _ranked(a, b):
    return output_cmp(b[1], a[1]) or output_cmp(a[0], b[0])


def _TOP(pair):
    """Largest value first, ties to the smaller key."""
    return functools.cmp_to_key(_ranked)(pair)


def top(s, n):
    pairs = each(s, lambda r: pair_of(r, "top"))
    return pairs.transform(lambda rdd: rdd.context.parallelize(rdd.takeOrdered(n, key=_TOP), 1))


# --- Running it on DStreams -------------------------------------------------

def _ms(t):
    return int(round(t.timestamp() * 1000))


def run(sc, spark_batch_ms=None, checkpoint=None, batches=None):
    """Runs the pipeline on `sc`, printing one line per batch at which it
    emits, as `sparklet replay` does, to whatever `sys.stdout` is then (a
    callback that held a file could not be checkpointed). Recorded batches (`--input`) run one
    per batch, as fast as `spark_batch_ms` allows (windows count batches, so
    the output is the same), and the call returns after the last; a live
    source runs until the job is stopped."""
    global SPARK_BATCH_MS, MALFORMED
    # DStreams are deprecated, not going away in 4.x; the warning would
    # land among the output lines under spark-submit.
    warnings.filterwarnings("ignore", message="DStream is deprecated")
    from pyspark.streaming import StreamingContext

    kind = SOURCE[0]
    SPARK_BATCH_MS = spark_batch_ms if kind == "batches" and spark_batch_ms else BATCH_MS
    MALFORMED = sc.accumulator(0)
    last = None  # the number of recorded batches
    if kind == "batches":
        data = read_batches(SOURCE[1]) if batches is None else batches
        if not data:
            return 0
        last = len(data)
    ssc = StreamingContext(sc, D(BATCH_MS))
    scratch = None
    if checkpoint is None:
        scratch = checkpoint = tempfile.mkdtemp(prefix="sparklet-export-")
    ssc.checkpoint(checkpoint)
    if kind == "batches":
        empty = sc.parallelize([], 1)
        rdds = [sc.parallelize(b, 1) for b in data]
        stream = ssc.queueStream(rdds, oneAtATime=True, default=empty)
    elif kind == "tcp":
        stream = ssc.socketTextStream(SOURCE[1], SOURCE[2])
    else:
        stream = ssc.textFileStream(SOURCE[1])
    # A batch's output operations run in the order they were registered:
    # the first learns Spark's zero time, the last marks the batch done.
    zero, done = [], []

    def learn_zero(t, rdd):
        if not zero:
            zero.append(_ms(t) - SPARK_BATCH_MS)

    def emit(t, rdd):
        k = (_ms(t) - zero[0]) // SPARK_BATCH_MS
        output = rdd.collect()
        if kind == "batches" and k > last:
            return  # computed for its records' sake, not printed
        if KEYED_OUTPUT:
            output.sort(key=ORDER)
        sys.stdout.write(batch_line(k * BATCH_MS, output) + "\n")
        sys.stdout.flush()

    def mark_done(t, rdd):
        done.append((_ms(t) - zero[0]) // SPARK_BATCH_MS)

    stream.foreachRDD(learn_zero)
    build(stream).foreachRDD(emit)
    stream.foreachRDD(mark_done)
    ssc.start()
    try:
        if kind != "batches":
            ssc.awaitTermination()
        else:
            # Spark computes a windowed stream's batches when a window
            # needs them: run on to the next slide so the last batches'
            # records are looked at (and malformed ones counted) too.
            end = -(-last // SLIDE_BATCHES) * SLIDE_BATCHES
            while not done or done[-1] < end:
                time.sleep(0.01)
    finally:
        ssc.stop(stopSparkContext=False, stopGraceFully=False)
        if scratch:
            shutil.rmtree(scratch, ignore_errors=True)
    return MALFORMED.value
