# The public entry: HTTP redirects to HTTPS; /auth* goes to auth, everything else to booking.
# Targets are healthy when /ready answers 200 (database and queue reachable); the containers'
# own health check is /health (liveness), so a database outage drains traffic without
# restarting every task.

resource "aws_lb" "this" {
  name                       = local.name
  load_balancer_type         = "application"
  internal                   = false
  subnets                    = module.network.public_subnet_ids
  security_groups            = [module.network.alb_security_group_id]
  idle_timeout               = 120 # seat maps stream server-sent events
  drop_invalid_header_fields = true
}

# The services that answer HTTP, and their ports (main.tf starts them listening there).
locals {
  http_ports = {
    auth    = 3000
    booking = 4000
  }
}

resource "aws_lb_target_group" "this" {
  for_each             = local.http_ports
  name                 = "${local.name}-${each.key}"
  port                 = each.value
  protocol             = "HTTP"
  target_type          = "ip"
  vpc_id               = module.network.vpc_id
  deregistration_delay = 30

  health_check {
    path                = "/ready"
    matcher             = "200"
    interval            = 15
    healthy_threshold   = 2
    unhealthy_threshold = 3
  }
}

resource "aws_lb_listener" "http" {
  load_balancer_arn = aws_lb.this.arn
  port              = 80
  protocol          = "HTTP"

  default_action {
    type = "redirect"
    redirect {
      port        = "443"
      protocol    = "HTTPS"
      status_code = "HTTP_301"
    }
  }
}

resource "aws_lb_listener" "https" {
  load_balancer_arn = aws_lb.this.arn
  port              = 443
  protocol          = "HTTPS"
  ssl_policy        = "ELBSecurityPolicy-TLS13-1-2-2021-06"
  certificate_arn   = var.certificate_arn

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.this["booking"].arn
  }
}

resource "aws_lb_listener_rule" "auth" {
  listener_arn = aws_lb_listener.https.arn
  priority     = 10

  condition {
    path_pattern {
      values = ["/auth", "/auth/*", "/.well-known/jwks.json"]
    }
  }

  action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.this["auth"].arn
  }
}

# /metrics is for the scraper inside the VPC, not the internet.
resource "aws_lb_listener_rule" "hide_metrics" {
  listener_arn = aws_lb_listener.https.arn
  priority     = 5

  condition {
    path_pattern {
      values = ["/metrics"]
    }
  }

  action {
    type = "fixed-response"
    fixed_response {
      content_type = "application/json"
      message_body = "{\"error\":\"not_found\",\"message\":\"Not found.\",\"details\":null}"
      status_code  = "404"
    }
  }
}
