"""Runs exported Sparklet jobs one after another on one local SparkContext
(a JVM starts once, not once per job), each printing into NAME.out beside
its NAME.py, and its malformed count into NAME.malformed.

usage: spark_cases.py DIR NAME...
"""

import contextlib
import importlib.util
import os
import sys


def main(directory, names):
    os.environ["PYSPARK_PYTHON"] = sys.executable
    from pyspark import SparkConf, SparkContext, cloudpickle

    conf = (
        SparkConf()
        .setMaster("local[2]")
        .setAppName("sparklet export check")
        .set("spark.ui.enabled", "false")
        .set("spark.ui.showConsoleProgress", "false")
    )
    sc = SparkContext(conf=conf)
    sc.setLogLevel("ERROR")
    try:
        for name in names:
            path = os.path.join(directory, name + ".py")
            spec = importlib.util.spec_from_file_location(name, path)
            job = importlib.util.module_from_spec(spec)
            sys.modules[name] = job
            spec.loader.exec_module(job)
            # Spark's workers cannot import the job: its functions travel
            # by value, as they do when the job runs as a script.
            cloudpickle.register_pickle_by_value(job)
            with open(os.path.join(directory, name + ".out"), "w", encoding="utf-8") as out:
                with contextlib.redirect_stdout(out):
                    malformed = job.run(sc, spark_batch_ms=200)
            with open(os.path.join(directory, name + ".malformed"), "w") as f:
                f.write(f"{malformed}\n")
            print(f"{name}: done", file=sys.stderr, flush=True)
    finally:
        sc.stop()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
