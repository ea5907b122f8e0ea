# Where resources stood before the services, target groups and alarms became maps: existing
# deployments move their state to the new addresses instead of replacing anything.

moved {
  from = module.auth
  to   = module.service["auth"]
}

moved {
  from = module.booking
  to   = module.service["booking"]
}

moved {
  from = module.sweeper
  to   = module.service["sweeper"]
}

moved {
  from = module.migrate
  to   = module.service["migrate"]
}

moved {
  from = aws_lb_target_group.auth
  to   = aws_lb_target_group.this["auth"]
}

moved {
  from = aws_lb_target_group.booking
  to   = aws_lb_target_group.this["booking"]
}

moved {
  from = aws_cloudwatch_metric_alarm.dead_letters
  to   = aws_cloudwatch_metric_alarm.this["dead_letters"]
}

moved {
  from = aws_cloudwatch_metric_alarm.queue_behind
  to   = aws_cloudwatch_metric_alarm.this["queue_behind"]
}

moved {
  from = aws_cloudwatch_metric_alarm.alb_5xx
  to   = aws_cloudwatch_metric_alarm.this["alb_5xx"]
}

moved {
  from = aws_cloudwatch_metric_alarm.target_5xx
  to   = aws_cloudwatch_metric_alarm.this["target_5xx"]
}

moved {
  from = aws_cloudwatch_metric_alarm.worker_errors
  to   = aws_cloudwatch_metric_alarm.this["worker_errors"]
}
