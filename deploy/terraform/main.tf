# SeatGuard on AWS: ALB → ECS Fargate (auth, booking, sweeper), SQS + DLQ → worker Lambda,
# RDS PostgreSQL (or an external database), secrets in Secrets Manager, CloudWatch alarms.

# Whether a database URL or an SMTP password was given is not secret (the values are), and
# Terraform needs these answers in clear to decide which resources exist.
locals {
  name            = "seatguard-${var.environment}"
  create_database = nonsensitive(var.database_url == "")
  database_url    = local.create_database ? module.database[0].database_url : var.database_url
  with_smtp_pass  = nonsensitive(var.smtp_password != "")
}

module "network" {
  source             = "./modules/network"
  name               = local.name
  single_nat_gateway = var.single_nat_gateway
}

module "database" {
  source                = "./modules/database"
  count                 = local.create_database ? 1 : 0
  name                  = local.name
  subnet_ids            = module.network.private_subnet_ids
  security_group_ids    = [module.network.database_security_group_id]
  instance_class        = var.db_instance_class
  multi_az              = var.db_multi_az
  backup_retention_days = var.db_backup_retention_days
  deletion_protection   = var.db_deletion_protection
}

module "queue" {
  source                     = "./modules/queue"
  name                       = local.name
  max_receive_count          = var.queue_max_receive_count
  visibility_timeout_seconds = 6 * var.worker_timeout_seconds
}

# --- secrets ------------------------------------------------------------------------------

locals {
  secret_values = merge(
    {
      JWT_SECRET            = var.jwt_secret
      STRIPE_SECRET_KEY     = var.stripe_secret_key
      STRIPE_WEBHOOK_SECRET = var.stripe_webhook_secret
      TICKET_SIGNING_KEY    = var.ticket_signing_key
    },
    local.with_smtp_pass ? { SMTP_PASS = var.smtp_password } : {},
  )
  # The secrets' names, listed without reading their values: a for_each cannot use keys
  # derived from sensitive values.
  secret_names = concat(
    ["JWT_SECRET", "STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET", "TICKET_SIGNING_KEY", "DATABASE_URL"],
    local.with_smtp_pass ? ["SMTP_PASS"] : [],
  )
}

resource "aws_secretsmanager_secret" "app" {
  for_each                = toset(local.secret_names)
  name                    = "${local.name}/${lower(replace(each.key, "_", "-"))}"
  recovery_window_in_days = 7
}

resource "aws_secretsmanager_secret_version" "app" {
  for_each      = aws_secretsmanager_secret.app
  secret_id     = each.value.id
  secret_string = each.key == "DATABASE_URL" ? local.database_url : local.secret_values[each.key]
}

locals {
  secret_arns = { for key, secret in aws_secretsmanager_secret.app : key => secret.arn }
  auth_secrets = {
    JWT_SECRET   = local.secret_arns["JWT_SECRET"]
    DATABASE_URL = local.secret_arns["DATABASE_URL"]
  }

  app_environment = {
    SEATGUARD_ENV      = "production"
    LOG_FORMAT         = "json"
    PUBLIC_BASE_URL    = var.public_base_url
    CORS_ORIGINS       = var.cors_origins
    QUEUE_URL          = module.queue.url
    AWS_REGION         = var.region
    SANDBOX            = "false" # real Stripe only (SEATGUARD_SANDBOX_ENABLED stays unset)
    SMTP_HOST          = var.smtp_host
    SMTP_PORT          = tostring(var.smtp_port)
    SMTP_USER          = var.smtp_user
    EMAIL_FROM         = var.email_from
    DB_POOL_SIZE       = tostring(var.db_pool_size)
    QUEUE_MAX_ATTEMPTS = tostring(var.queue_max_receive_count)
    # The ALB's X-Forwarded-For names the client; nothing else may (login throttling).
    TRUSTED_PROXIES = join(",", module.network.public_subnet_cidrs)
  }
}

# --- ECS ----------------------------------------------------------------------------------

resource "aws_ecs_cluster" "this" {
  name = local.name

  setting {
    name  = "containerInsights"
    value = "enabled"
  }
}

data "aws_iam_policy_document" "use_queue" {
  statement {
    actions = [
      "sqs:SendMessage",
      "sqs:ReceiveMessage",
      "sqs:DeleteMessage",
      "sqs:ChangeMessageVisibility",
      "sqs:GetQueueAttributes",
      "sqs:GetQueueUrl",
    ]
    resources = [module.queue.arn, module.queue.dead_letter_arn]
  }
}

# The ECS processes. Each entry sets only what differs from the service module's defaults;
# every process runs the same image in the private subnets with the app security group.
# sweeper: one small always-on task (frees expired holds, expires unpaid checkouts).
# migrate: the release step, `seatguard db upgrade` as a one-off task (see the
# migrate_command output).
locals {
  services = {
    auth = {
      command          = ["auth", "--host", "0.0.0.0", "--port", tostring(local.http_ports.auth)]
      container_port   = local.http_ports.auth
      target_group_arn = aws_lb_target_group.this["auth"].arn
      min_count        = var.auth_min_count
      max_count        = var.auth_max_count
      environment      = { SEATGUARD_ENV = "production", LOG_FORMAT = "json", CORS_ORIGINS = var.cors_origins, DB_POOL_SIZE = tostring(var.db_pool_size) }
      secrets          = local.auth_secrets
    }
    booking = {
      command             = ["booking", "--host", "0.0.0.0", "--port", tostring(local.http_ports.booking)]
      container_port      = local.http_ports.booking
      cpu                 = var.booking_cpu
      memory              = var.booking_memory
      target_group_arn    = aws_lb_target_group.this["booking"].arn
      min_count           = var.booking_min_count
      max_count           = var.booking_max_count
      requests_per_target = var.booking_requests_per_target
      alb_resource_label  = "${aws_lb.this.arn_suffix}/${aws_lb_target_group.this["booking"].arn_suffix}"
      environment         = merge(local.app_environment, { WORKERS = tostring(var.booking_workers), PROMETHEUS_MULTIPROC_DIR = "/tmp/seatguard-metrics" })
      secrets             = local.secret_arns
      task_policy_json    = data.aws_iam_policy_document.use_queue.json
    }
    sweeper = {
      command          = ["sweeper"]
      cpu              = 256
      memory           = 512
      min_count        = 1
      max_count        = 1
      environment      = local.app_environment
      secrets          = local.secret_arns
      task_policy_json = data.aws_iam_policy_document.use_queue.json
    }
    migrate = {
      command        = ["db", "upgrade"]
      create_service = false
      cpu            = 256
      memory         = 512
      environment    = local.app_environment
      secrets        = local.secret_arns
    }
  }
}

# An argument an entry leaves out is null here, which the module reads as its default.
module "service" {
  source   = "./modules/service"
  for_each = local.services

  name                 = each.key
  command              = each.value.command
  create_service       = try(each.value.create_service, null)
  container_port       = try(each.value.container_port, null)
  cpu                  = try(each.value.cpu, null)
  memory               = try(each.value.memory, null)
  target_group_arn     = try(each.value.target_group_arn, null)
  min_count            = try(each.value.min_count, null)
  max_count            = try(each.value.max_count, null)
  requests_per_target  = try(each.value.requests_per_target, null)
  alb_resource_label   = try(each.value.alb_resource_label, null)
  environment          = each.value.environment
  secrets              = each.value.secrets
  task_policy_json     = try(each.value.task_policy_json, null)
  attach_task_policy   = contains(keys(each.value), "task_policy_json") # known when planning
  stop_timeout_seconds = 30

  environment_name   = var.environment
  region             = var.region
  cluster_arn        = aws_ecs_cluster.this.arn
  cluster_name       = aws_ecs_cluster.this.name
  image              = var.image
  subnet_ids         = module.network.private_subnet_ids
  security_group_ids = [module.network.app_security_group_id]
  log_retention_days = var.log_retention_days
}

# --- worker -------------------------------------------------------------------------------

module "worker" {
  source              = "./modules/worker_lambda"
  name                = "${local.name}-worker"
  package_path        = var.worker_package_path
  queue_arn           = module.queue.arn
  timeout_seconds     = var.worker_timeout_seconds
  maximum_concurrency = var.worker_max_concurrency
  subnet_ids          = module.network.private_subnet_ids
  security_group_ids  = [module.network.app_security_group_id]
  log_retention_days  = var.log_retention_days
  # Lambda sets AWS_REGION itself and has no Secrets Manager references: the secrets are
  # passed as (KMS-encrypted) environment variables; see docs/deploy.md.
  environment = merge(
    { for key, value in local.app_environment : key => value if key != "AWS_REGION" },
    local.secret_values,
    { DATABASE_URL = local.database_url, DB_POOL_SIZE = "1" },
  )
}
