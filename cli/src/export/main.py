# --- Running it ---------------------------------------------------------------

import argparse
import os
import shutil
import tempfile
import time
import warnings


def _ms(t):
    return int(round(t.timestamp() * 1000))


def read_batches(path):
    """`sparklet replay`'s input: one JSON array of records per line."""
    batches = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                j = json.loads(line, parse_constant=_no_constant)
            except ValueError as e:
                raise SystemExit(f"{path}:{n}: not JSON: {e}")
            if not isinstance(j, list):
                raise SystemExit(f"{path}:{n}: expected a JSON array of records")
            try:
                batches.append([from_json(x) for x in j])
            except Bad as e:
                raise SystemExit(f"{path}:{n}: {e}")
    return batches


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


def main():
    parser = argparse.ArgumentParser(description=f"The Sparklet pipeline `{PIPELINE}` on Spark.")
    parser.add_argument("--checkpoint", help="Spark's checkpoint directory (on a cluster: HDFS or S3)")
    parser.add_argument(
        "--spark-batch-ms", type=int,
        help="with recorded batches: Spark's batch interval to run them at (same output)")
    args = parser.parse_args()
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    from pyspark import SparkConf, SparkContext

    conf = SparkConf().setAppName(f"sparklet: {PIPELINE}")
    conf.setIfMissing("spark.master", "local[2]")
    conf.setIfMissing("spark.ui.showConsoleProgress", "false")
    sc = SparkContext(conf=conf)
    sc.setLogLevel("ERROR")
    try:
        malformed = run(sc, spark_batch_ms=args.spark_batch_ms, checkpoint=args.checkpoint)
    finally:
        sc.stop()
    if malformed:
        print(f"sparklet job: {malformed} malformed records, skipped", file=sys.stderr)


if __name__ == "__main__":
    main()
