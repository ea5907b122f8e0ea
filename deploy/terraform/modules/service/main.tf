# One SeatGuard process on ECS Fargate: task definition (secrets from Secrets Manager, never
# plaintext), CloudWatch log group, IAM roles, the service, and target tracking autoscaling.
# With create_service = false only the task definition exists (one-off tasks: migrations).

locals {
  http = var.container_port != null
  container = {
    name        = var.name
    image       = var.image
    command     = var.command
    essential   = true
    stopTimeout = var.stop_timeout_seconds
    environment = [for key in sort(keys(var.environment)) : { name = key, value = var.environment[key] }]
    secrets     = [for key in sort(keys(var.secrets)) : { name = key, valueFrom = var.secrets[key] }]
    portMappings = local.http ? [{
      containerPort = var.container_port
      protocol      = "tcp"
    }] : []
    healthCheck = local.http ? {
      command     = ["CMD", "python", "-c", "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:${var.container_port}/health', timeout=2).status == 200 else 1)"]
      interval    = 15
      timeout     = 5
      retries     = 3
      startPeriod = 30
    } : null
    logConfiguration = {
      logDriver = "awslogs"
      options = {
        awslogs-group         = aws_cloudwatch_log_group.this.name
        awslogs-region        = var.region
        awslogs-stream-prefix = var.name
      }
    }
    readonlyRootFilesystem = false
    user                   = "10001:10001"
  }
}

resource "aws_cloudwatch_log_group" "this" {
  name              = "/seatguard/${var.environment_name}/${var.name}"
  retention_in_days = var.log_retention_days
}

data "aws_iam_policy_document" "assume_ecs_tasks" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["ecs-tasks.amazonaws.com"]
    }
  }
}

# The execution role: pull the image, write logs, read this task's secrets at start.
resource "aws_iam_role" "execution" {
  name               = "${var.environment_name}-${var.name}-execution"
  assume_role_policy = data.aws_iam_policy_document.assume_ecs_tasks.json
}

resource "aws_iam_role_policy_attachment" "execution" {
  role       = aws_iam_role.execution.name
  policy_arn = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"
}

data "aws_iam_policy_document" "read_secrets" {
  count = length(var.secrets) > 0 ? 1 : 0

  statement {
    actions   = ["secretsmanager:GetSecretValue"]
    resources = distinct(values(var.secrets))
  }
}

resource "aws_iam_role_policy" "read_secrets" {
  count  = length(var.secrets) > 0 ? 1 : 0
  name   = "read-secrets"
  role   = aws_iam_role.execution.id
  policy = data.aws_iam_policy_document.read_secrets[0].json
}

# The task role: what the running process may call (the queue).
resource "aws_iam_role" "task" {
  name               = "${var.environment_name}-${var.name}-task"
  assume_role_policy = data.aws_iam_policy_document.assume_ecs_tasks.json
}

resource "aws_iam_role_policy" "task" {
  count  = var.attach_task_policy ? 1 : 0
  name   = "app"
  role   = aws_iam_role.task.id
  policy = var.task_policy_json
}

resource "aws_ecs_task_definition" "this" {
  family                   = "${var.environment_name}-${var.name}"
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = var.cpu
  memory                   = var.memory
  execution_role_arn       = aws_iam_role.execution.arn
  task_role_arn            = aws_iam_role.task.arn
  container_definitions    = jsonencode([local.container])

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = var.cpu_architecture
  }
}

resource "aws_ecs_service" "this" {
  count                              = var.create_service ? 1 : 0
  name                               = var.name
  cluster                            = var.cluster_arn
  task_definition                    = aws_ecs_task_definition.this.arn
  desired_count                      = var.min_count
  launch_type                        = "FARGATE"
  deployment_minimum_healthy_percent = 100
  deployment_maximum_percent         = 200
  health_check_grace_period_seconds  = local.http && var.target_group_arn != null ? 30 : null
  enable_execute_command             = var.enable_execute_command

  network_configuration {
    subnets          = var.subnet_ids
    security_groups  = var.security_group_ids
    assign_public_ip = false
  }

  dynamic "load_balancer" {
    for_each = var.target_group_arn == null ? [] : [var.target_group_arn]
    content {
      target_group_arn = load_balancer.value
      container_name   = var.name
      container_port   = var.container_port
    }
  }

  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }

  lifecycle {
    ignore_changes = [desired_count] # autoscaling owns it
  }
}

resource "aws_appautoscaling_target" "this" {
  count              = var.create_service && var.max_count > var.min_count ? 1 : 0
  service_namespace  = "ecs"
  scalable_dimension = "ecs:service:DesiredCount"
  resource_id        = "service/${var.cluster_name}/${aws_ecs_service.this[0].name}"
  min_capacity       = var.min_count
  max_capacity       = var.max_count
}

# Target tracking on CPU, and on ALB requests per task when requests_per_target is set.
locals {
  scaling_policies = length(aws_appautoscaling_target.this) == 0 ? {} : merge(
    { cpu = { metric = "ECSServiceAverageCPUUtilization", target = var.cpu_target_percent, label = null } },
    var.requests_per_target == null ? {} : {
      requests = { metric = "ALBRequestCountPerTarget", target = var.requests_per_target, label = var.alb_resource_label }
    },
  )
}

resource "aws_appautoscaling_policy" "this" {
  for_each           = local.scaling_policies
  name               = "${var.name}-${each.key}"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = aws_appautoscaling_target.this[0].service_namespace
  scalable_dimension = aws_appautoscaling_target.this[0].scalable_dimension
  resource_id        = aws_appautoscaling_target.this[0].resource_id

  target_tracking_scaling_policy_configuration {
    target_value       = each.value.target
    scale_in_cooldown  = 120
    scale_out_cooldown = 30

    predefined_metric_specification {
      predefined_metric_type = each.value.metric
      resource_label         = each.value.label
    }
  }
}

# The two policies' addresses before they became one map.
moved {
  from = aws_appautoscaling_policy.cpu[0]
  to   = aws_appautoscaling_policy.this["cpu"]
}

moved {
  from = aws_appautoscaling_policy.requests[0]
  to   = aws_appautoscaling_policy.this["requests"]
}
