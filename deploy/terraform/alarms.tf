# Alarms that page someone: a message in the dead-letter queue, the queue falling behind,
# and 5xx answers from the load balancer or the services behind it.

resource "aws_sns_topic" "alarms" {
  name = "${local.name}-alarms"
}

resource "aws_sns_topic_subscription" "email" {
  count     = var.alarm_email == "" ? 0 : 1
  topic_arn = aws_sns_topic.alarms.arn
  protocol  = "email"
  endpoint  = var.alarm_email
}

# Each alarm fires when its metric's statistic over `periods` periods of `period` seconds is
# above `threshold`, and sends the all-clear too unless `notify_ok` is false (worker errors: a
# failed invocation is an event, not a state that ends). Entries set what differs from these:
locals {
  alarm_defaults = { statistic = "Sum", period = 300, periods = 1, threshold = 0, notify_ok = true }

  alarms = {
    dead_letters = {
      description = "Messages reached the dead-letter queue: a payment or email failed every retry. Inspect, fix, redrive."
      namespace   = "AWS/SQS"
      metric      = "ApproximateNumberOfMessagesVisible"
      dimensions  = { QueueName = module.queue.dead_letter_name }
      statistic   = "Maximum"
      period      = 60
    }
    queue_behind = {
      description = "The oldest queued message is over 5 minutes old: paid orders wait for their tickets."
      namespace   = "AWS/SQS"
      metric      = "ApproximateAgeOfOldestMessage"
      dimensions  = { QueueName = module.queue.name }
      statistic   = "Maximum"
      period      = 60
      periods     = 5
      threshold   = 300
    }
    alb_5xx = {
      description = "The load balancer answered 5xx itself (no healthy target, timeouts)."
      namespace   = "AWS/ApplicationELB"
      metric      = "HTTPCode_ELB_5XX_Count"
      dimensions  = { LoadBalancer = aws_lb.this.arn_suffix }
      threshold   = var.alb_5xx_threshold
    }
    target_5xx = {
      description = "auth or booking answered 5xx (errors, database unavailable)."
      namespace   = "AWS/ApplicationELB"
      metric      = "HTTPCode_Target_5XX_Count"
      dimensions  = { LoadBalancer = aws_lb.this.arn_suffix }
      threshold   = var.alb_5xx_threshold
    }
    worker_errors = {
      description = "The worker Lambda failed whole invocations (crash, timeout, cannot import)."
      namespace   = "AWS/Lambda"
      metric      = "Errors"
      dimensions  = { FunctionName = module.worker.function_name }
      notify_ok   = false
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "this" {
  for_each            = { for key, alarm in local.alarms : key => merge(local.alarm_defaults, alarm) }
  alarm_name          = "${local.name}-${replace(each.key, "_", "-")}"
  alarm_description   = each.value.description
  namespace           = each.value.namespace
  metric_name         = each.value.metric
  dimensions          = each.value.dimensions
  statistic           = each.value.statistic
  period              = each.value.period
  evaluation_periods  = each.value.periods
  comparison_operator = "GreaterThanThreshold"
  threshold           = each.value.threshold
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = each.value.notify_ok ? [aws_sns_topic.alarms.arn] : null
}
