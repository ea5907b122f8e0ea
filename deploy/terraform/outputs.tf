output "alb_dns_name" {
  description = "Point the domain of public_base_url here (CNAME or Route 53 alias)"
  value       = aws_lb.this.dns_name
}

output "stripe_webhook_url" {
  description = "Register this endpoint in the Stripe dashboard (checkout.session.completed and .expired)"
  value       = "${trimsuffix(var.public_base_url, "/")}/api/v1/stripe/webhook"
}

output "ecs_cluster_name" {
  value = aws_ecs_cluster.this.name
}

output "queue_url" {
  value = module.queue.url
}

output "dead_letter_queue_url" {
  value = module.queue.dead_letter_url
}

output "worker_function_name" {
  value = module.worker.function_name
}

output "database_address" {
  description = "RDS endpoint (null with an external database_url)"
  value       = local.create_database ? module.database[0].address : null
}

output "log_groups" {
  value = merge(
    { for name, service in module.service : name => service.log_group_name },
    { worker = module.worker.log_group_name },
  )
}

output "migrate_task_definition_arn" {
  value = module.service["migrate"].task_definition_arn
}

output "migrate_command" {
  description = "The release step: run before updating the services to a new image"
  value = join(" ", [
    "aws ecs run-task --cluster ${aws_ecs_cluster.this.name}",
    "--launch-type FARGATE --task-definition ${module.service["migrate"].task_definition_arn}",
    "--network-configuration 'awsvpcConfiguration={subnets=[${join(",", module.network.private_subnet_ids)}],securityGroups=[${module.network.app_security_group_id}],assignPublicIp=DISABLED}'",
  ])
}

output "alarm_topic_arn" {
  value = aws_sns_topic.alarms.arn
}
