# %% [markdown]
# # Lab 11 — EMR: a transient Spark cluster with Spot task capacity, and the serverless alternative
#
# A nightly PySpark job counts words in a file. You run it the classic way, on an **EMR cluster
# that exists only while the job runs**, with the cheap interruptible capacity where losing a
# node is safe, and then the serverless way, with no cluster at all. Lesson: *Amazon EMR*.
#
# | Task | What you do | API |
# |---|---|---|
# | 1 | Upload the PySpark script to your bucket | `s3.put_object` |
# | 2 | The EMR service role and the nodes' instance profile | `iam` |
# | 3-5 | Launch `nightly-spark`: EMR 7.x, Spark + Hive, logs to S3, Spot task nodes, no idle time | `emr.run_job_flow` |
# | 6 | Run the script as a step and wait for it | `command-runner.jar`, `step_complete` |
# | 7 | The same job on EMR Serverless | `emr-serverless` |
# | 8 | When would EMR on EKS be the better fit? | `ssm.put_parameter` |
#
# **Cost warning for a real account** (`computelab check 11 --real-aws`): an EMR cluster bills
# EC2 *and* an EMR charge for every node, per second, from the moment it starts, busy or
# idle: a forgotten cluster keeps billing until someone terminates it. EMR Serverless bills
# vCPU, memory and storage per second while workers run. Do the cleanup task at the end.
#
# **What the sandbox can and cannot show.**
#
# - **No Spark runs.** A step or an EMR Serverless job run "finishes" the moment you submit it:
#   COMPLETED (SUCCESS) when its script is in S3, FAILED when it is not. So a transient cluster
#   goes straight from launch to `TERMINATED` (reason `ALL_STEPS_COMPLETED`); on AWS it takes
#   several minutes to provision, run and shut down.
# - **No instances are interrupted.** Spot is a setting you choose per node type here; the
#   checks judge where you put it, because that is what decides whether an interruption costs
#   a retried task or the cluster.
# - **IAM is not enforced.** The checks read your roles' policies and judge what they allow.
#
# Write plain `boto3`: the first cell already pointed it at the sandbox. Run it first.
#

# %% [markdown]
# ## Task 1 — Put the PySpark script in S3
#
# The nodes of a transient cluster start empty and are gone after the job, so the code and the
# data live in **Amazon S3**. Create a bucket of your own (bucket names are global on AWS: add
# something unique, such as your account id) and upload the script below as
# `jobs/wordcount.py`. The same bucket will hold the cluster's logs.
#
# **Look at:** `s3.list_objects_v2(Bucket=bucket)`.
#

# %%
import boto3

s3 = boto3.client("s3")
account_id = boto3.client("sts").get_caller_identity()["Account"]
bucket = f"emr-lab-{account_id}"

WORDCOUNT = '''
import sys
from pyspark.sql import SparkSession

spark = SparkSession.builder.appName("wordcount").getOrCreate()
if len(sys.argv) > 1:  # an input file in S3, or a sample line
    lines = spark.read.text(sys.argv[1])
else:
    lines = spark.createDataFrame([("to be or not to be",)], ["value"])
words = lines.rdd.flatMap(lambda row: row.value.split())
counts = words.map(lambda w: (w, 1)).reduceByKey(lambda a, b: a + b)
for word, count in counts.takeOrdered(10, key=lambda pair: -pair[1]):
    print(word, count)
spark.stop()
'''

# BEGIN SOLUTION
s3.create_bucket(Bucket=bucket)
s3.put_object(Bucket=bucket, Key="jobs/wordcount.py", Body=WORDCOUNT.encode())
# END SOLUTION
# BEGIN STARTER
# # TODO: create the bucket and upload WORDCOUNT as jobs/wordcount.py
# END STARTER
script_uri = f"s3://{bucket}/jobs/wordcount.py"
print(script_uri)


# %% [markdown]
# ## Task 2 — Two roles: one for EMR, one for the nodes
#
# An EMR cluster on EC2 uses two roles:
#
# - the **service role**, which EMR itself assumes to launch and manage the EC2 instances. The
#   current default is **`EMR_DefaultRole_V2`**: trusted by `elasticmapreduce.amazonaws.com`,
#   with the AWS managed policy **`AmazonEMRServicePolicy_v2`** attached. That policy only lets
#   EMR act on resources tagged **`for-use-with-amazon-emr-managed-policies=true`**, so you will
#   tag the cluster with it. (`AmazonElasticMapReduceRole` is the deprecated v1 policy.)
# - the **EC2 instance profile**, the role the Spark and Hadoop processes on every node run
#   with. It is trusted by `ec2.amazonaws.com` and reaches the instances through an *instance
#   profile*. AWS is deprecating the old default `EMR_EC2_DefaultRole` and its policy
#   `AmazonElasticMapReduceforEC2Role` (which allows `s3:*` on every bucket): write your own,
#   allowing only your bucket — read the script, write the logs.
#
# Never give either role `AdministratorAccess`: every job on the cluster would run as an
# administrator of the account.
#
# **Look at:** `iam.get_instance_profile(InstanceProfileName=...)["InstanceProfile"]["Roles"]`.
#

# %%
import json

iam = boto3.client("iam")


def trust(service):
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}]})


# BEGIN SOLUTION
service_role = iam.create_role(RoleName="EMR_DefaultRole_V2",
                               AssumeRolePolicyDocument=trust("elasticmapreduce.amazonaws.com"))
iam.attach_role_policy(RoleName="EMR_DefaultRole_V2",
                       PolicyArn="arn:aws:iam::aws:policy/service-role/AmazonEMRServicePolicy_v2")

iam.create_role(RoleName="emr-lab-nodes", AssumeRolePolicyDocument=trust("ec2.amazonaws.com"))
iam.put_role_policy(RoleName="emr-lab-nodes", PolicyName="lab-bucket-only",
                    PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
                        {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"],
                         "Resource": f"arn:aws:s3:::{bucket}/*"},
                        {"Effect": "Allow", "Action": "s3:ListBucket",
                         "Resource": f"arn:aws:s3:::{bucket}"}]}))
iam.create_instance_profile(InstanceProfileName="emr-lab-nodes")
iam.add_role_to_instance_profile(InstanceProfileName="emr-lab-nodes", RoleName="emr-lab-nodes")
# END SOLUTION
# BEGIN STARTER
# # TODO: the service role EMR_DefaultRole_V2 (trust elasticmapreduce.amazonaws.com, attach
# #       AmazonEMRServicePolicy_v2), then a role for the nodes (trust ec2.amazonaws.com) with
# #       an inline policy on your bucket only, and an instance profile holding it.
# END STARTER


# %% [markdown]
# ## Tasks 3-6 — Launch `nightly-spark`, a transient cluster, with its step
#
# One `emr.run_job_flow` call describes the whole cluster:
#
# - **Task 3.** `Name="nightly-spark"`, a current **EMR 7.x** `ReleaseLabel` (`emr-7.14.0` is
#   the newest; `emr.list_release_labels()` lists them), `Applications` **Spark** and **Hive**,
#   **`LogUri`** `s3://<bucket>/emr-logs/` (a transient cluster's logs would otherwise vanish with
#   its nodes), `ServiceRole`, `JobFlowRole` (the instance profile's *name*), and the tag
#   `for-use-with-amazon-emr-managed-policies=true`.
# - **Task 4.** Node types and purchasing options. The **primary** node runs the cluster: if it
#   goes, the cluster goes. **Core** nodes run tasks *and* store HDFS data: losing one can lose
#   data. **Task** nodes only compute: losing one costs a retried task. So primary and core are
#   **On-Demand**, and the task nodes use **Spot** (up to 90% cheaper, but EC2 may take them back
#   with two minutes' notice). Use `Instances.InstanceGroups` (`Market="ON_DEMAND"` /
#   `"SPOT"`) or `Instances.InstanceFleets` (`TargetOnDemandCapacity` / `TargetSpotCapacity`,
#   several instance types per fleet); both are accepted.
# - **Task 5.** No idle cluster. Either make it **transient** (`KeepJobFlowAliveWhenNoSteps=False`,
#   the API default, with the steps given at launch: it terminates after the last step), or keep
#   it alive with an **`AutoTerminationPolicy`** (`IdleTimeout` in seconds, 60 to 604,800; this
#   lab accepts at most 3,600).
# - **Task 6.** The step: `HadoopJarStep` with `Jar="command-runner.jar"` and
#   `Args=["spark-submit", "--deploy-mode", "cluster", script_uri]`. `ActionOnFailure=
#   "TERMINATE_CLUSTER"` ends a transient cluster when the job fails instead of leaving it up.
#
# Then wait with the **`step_complete`** waiter (on AWS it polls every 30 seconds).
#
# **Look at:** `describe_cluster` (`Status.State`, `Status.StateChangeReason`, `AutoTerminate`,
# `ReleaseLabel`, `LogUri`), `list_instance_groups` (or `list_instance_fleets`), `list_steps`.
#

# %%
emr = boto3.client("emr")

# BEGIN SOLUTION
cluster_id = emr.run_job_flow(
    Name="nightly-spark",
    ReleaseLabel="emr-7.14.0",
    Applications=[{"Name": "Spark"}, {"Name": "Hive"}],
    LogUri=f"s3://{bucket}/emr-logs/",
    ServiceRole="EMR_DefaultRole_V2",
    JobFlowRole="emr-lab-nodes",
    Tags=[{"Key": "for-use-with-amazon-emr-managed-policies", "Value": "true"}],
    Instances={
        "InstanceGroups": [
            {"Name": "primary", "InstanceRole": "MASTER", "Market": "ON_DEMAND",
             "InstanceType": "m5.xlarge", "InstanceCount": 1},
            {"Name": "core", "InstanceRole": "CORE", "Market": "ON_DEMAND",
             "InstanceType": "m5.xlarge", "InstanceCount": 2},
            {"Name": "task-spot", "InstanceRole": "TASK", "Market": "SPOT",
             "InstanceType": "m5.xlarge", "InstanceCount": 2},
        ],
        "KeepJobFlowAliveWhenNoSteps": False,  # transient: ends after the last step
    },
    Steps=[{
        "Name": "wordcount",
        "ActionOnFailure": "TERMINATE_CLUSTER",
        "HadoopJarStep": {"Jar": "command-runner.jar",
                          "Args": ["spark-submit", "--deploy-mode", "cluster", script_uri]},
    }],
)["JobFlowId"]
step_id = emr.list_steps(ClusterId=cluster_id)["Steps"][0]["Id"]
emr.get_waiter("step_complete").wait(ClusterId=cluster_id, StepId=step_id)
# END SOLUTION
# BEGIN STARTER
# # TODO: emr.run_job_flow(...) as described above; keep the JobFlowId.
# cluster_id = None
# # TODO: find the step's id (list_steps) and wait with the step_complete waiter.
# END STARTER
cluster = emr.describe_cluster(ClusterId=cluster_id)["Cluster"]
print(cluster_id, cluster["Status"]["State"], cluster["Status"]["StateChangeReason"])
for group in emr.list_instance_groups(ClusterId=cluster_id)["InstanceGroups"]:
    print(group["InstanceGroupType"], group["Market"], group["InstanceType"],
          group["RequestedInstanceCount"])


# %% [markdown]
# ## Task 7 — The same job on EMR Serverless
#
# With **EMR Serverless** there are no nodes to choose: you create an *application* (an engine
# and a release) and submit job runs to it; workers start when a job arrives and the application
# stops itself after 15 idle minutes (auto-stop, on by default: leave it on).
#
# 1. `emr-serverless.create_application(name="nightly-spark-serverless", type="SPARK",
#    releaseLabel=<the same 7.x release>, maximumCapacity={"cpu": "16 vCPU", "memory": "64 GB"})`.
#    **`maximumCapacity`** caps what all the application's workers together may use: your cost
#    ceiling (`cpu` and `memory` are required, `disk` is optional; values like `"16 vCPU"`,
#    `"64 GB"`).
# 2. A **job execution role** trusted by `emr-serverless.amazonaws.com`, allowed to read your
#    script (and whatever data the job reads).
# 3. `start_job_run(applicationId=..., executionRoleArn=..., jobDriver={"sparkSubmit":
#    {"entryPoint": script_uri}})`, then read `get_job_run(...)["jobRun"]["state"]`.
#
# **Look at:** `get_application(...)["application"]`: `state`, `maximumCapacity`,
# `autoStopConfiguration`.
#

# %%
serverless = boto3.client("emr-serverless")

# BEGIN SOLUTION
app_id = serverless.create_application(
    name="nightly-spark-serverless", type="SPARK", releaseLabel="emr-7.14.0",
    maximumCapacity={"cpu": "16 vCPU", "memory": "64 GB", "disk": "200 GB"},
)["applicationId"]
job_role_arn = iam.create_role(
    RoleName="emr-serverless-wordcount",
    AssumeRolePolicyDocument=trust("emr-serverless.amazonaws.com"))["Role"]["Arn"]
iam.put_role_policy(RoleName="emr-serverless-wordcount", PolicyName="read-script",
                    PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
                        {"Effect": "Allow", "Action": "s3:GetObject",
                         "Resource": f"arn:aws:s3:::{bucket}/*"}]}))
run_id = serverless.start_job_run(
    applicationId=app_id, executionRoleArn=job_role_arn, name="wordcount",
    jobDriver={"sparkSubmit": {"entryPoint": script_uri}},
)["jobRunId"]
# END SOLUTION
# BEGIN STARTER
# # TODO: create the application, the job role, then start a job run of the script.
# app_id = None
# run_id = None
# END STARTER
run = serverless.get_job_run(applicationId=app_id, jobRunId=run_id)["jobRun"]
print(app_id, run_id, run["state"])


# %% [markdown]
# ## Task 8 — When is EMR on EKS the better fit?
#
# The third way to run EMR is **EMR on EKS**: you register a namespace of an Amazon EKS cluster
# you already run as an EMR *virtual cluster*, and EMR runs each job as pods there, on the
# release you choose per job. Which of these teams should pick EMR on EKS?
#
# - **a.** The company already runs its microservices on an Amazon EKS cluster and wants its
#   Spark jobs to share that cluster's nodes, autoscaling and monitoring.
# - **b.** A small team without Kubernetes runs one Spark job a night and wants nothing to
#   provision or operate.
# - **c.** A data team needs HBase with its data in HDFS, SSH access to the nodes and a custom
#   AMI.
# - **d.** A platform team runs several teams' Spark jobs on one EKS cluster, each team in its
#   own Kubernetes namespace, with different EMR releases side by side.
#
# Store the letters of the scenarios where EMR on EKS fits best in the SSM parameter
# **`/emr-lab/emr-on-eks-fits`** (`Type="StringList"`, for example `"b,c"`, `Overwrite=True`).
#

# %%
ssm = boto3.client("ssm")

# BEGIN SOLUTION
# a, d: an EKS cluster already exists to share. b fits EMR Serverless; c needs EMR on EC2.
fits = "a,d"
ssm.put_parameter(Name="/emr-lab/emr-on-eks-fits", Value=fits, Type="StringList",
                  Overwrite=True)
# END SOLUTION
# BEGIN STARTER
# fits = None  # TODO: e.g. "x,y"
# # TODO: ssm.put_parameter(Name="/emr-lab/emr-on-eks-fits", Value=fits, Type="StringList",
# #                         Overwrite=True)
# END STARTER
print("EMR on EKS fits:", fits)


# %% [markdown]
# ## Check my work
#
# Click **Check my work** to see each objective, a message for anything missing, and a hint.
#
# ## Clean up (on a real account)
#
# A transient cluster has already terminated itself; check with `emr.list_clusters(
# ClusterStates=["STARTING", "BOOTSTRAPPING", "RUNNING", "WAITING"])` that nothing is left
# running, and `emr.terminate_job_flows(JobFlowIds=[...])` anything that is. Stop and delete the
# EMR Serverless application (`stop_application`, then `delete_application` once it is
# `STOPPED`). The logs and the script stay in your bucket and cost little; empty and delete the
# bucket when you no longer need them, then the roles and the instance profile.
#
